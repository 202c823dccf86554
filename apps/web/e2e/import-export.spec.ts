import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import type { Flow } from '@sluice/shared';
import { api, ordersGraph } from './support';

test('(d) a flow exported and imported comes back as a new flow with the same graph', async ({ page }, testInfo) => {
  const graph = ordersGraph('Orders to export', 'http://127.0.0.1:9/never', 'e2e_export_orders');
  const created = await api<Flow>('POST', '/api/flows', graph);
  expect(created.status).toBe(201);

  await page.goto('/');
  const row = page.getByTestId(`flow-row-${created.body.id}`);
  await expect(row).toBeVisible();
  const downloadPromise = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Export flow Orders to export' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/\.sluice\.json$/);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; nodes: unknown[]; edges: unknown[] };
  expect(exported.nodes).toEqual(created.body.graph.nodes);
  expect(exported.edges).toEqual(created.body.graph.edges);

  const before = (await api<Flow[]>('GET', '/api/flows')).body.map((f) => f.id);
  await page.getByLabel('Import flow').setInputFiles(file);
  await expect.poll(async () => (await api<Flow[]>('GET', '/api/flows')).body.length).toBe(before.length + 1);
  const imported = (await api<Flow[]>('GET', '/api/flows')).body.find((f) => !before.includes(f.id))!;
  const full = (await api<Flow>('GET', `/api/flows/${imported.id}`)).body;
  expect(full.id).not.toBe(created.body.id);
  expect(full.graph.nodes).toEqual(created.body.graph.nodes);
  expect(full.graph.edges).toEqual(created.body.graph.edges);
  expect(full.name).toBe(created.body.name);

  // A file that is not a flow is refused with the field at fault, and nothing is created.
  const bad = testInfo.outputPath('bad.sluice.json');
  fs.writeFileSync(bad, JSON.stringify({ name: 'broken', nodes: [{ id: 'a b' }], edges: [] }));
  await page.getByLabel('Import flow').setInputFiles(bad);
  await expect(page.getByRole('alert').or(page.getByTestId('flows-notice'))).toContainText('nodes[0]');
  expect((await api<Flow[]>('GET', '/api/flows')).body.length).toBe(before.length + 1);
});
