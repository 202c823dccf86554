import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import type { Alert, FlowQuality, Graph } from '@sluice/shared';
import { api } from './support';

/** Screenshots of the quality panel and the alerts page, kept in the repository (small PNGs). */
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

const at = { x: 0, y: 0 };
/** Customers: a JSON Schema (id and email required) then a consistency rule; the invalid ports are unwired. */
function customersGraph(name: string): Graph {
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'schema',
        type: 'validate.schema',
        config: { schema: { type: 'object', required: ['id', 'email'], properties: { id: { type: 'string' }, email: { type: 'string', minLength: 1 } } } },
        position: { x: 260, y: 0 },
      },
      { id: 'rules', type: 'validate.rules', config: { rules: [{ name: 'credit_positive', expression: 'credit >= 0', message: 'credit cannot be negative' }] }, position: { x: 520, y: 0 } },
      { id: 'out', type: 'sink.log', config: { includeData: false }, position: { x: 780, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'schema' },
      { id: 'e2', source: 'schema', sourcePort: 'valid', target: 'rules' },
      { id: 'e3', source: 'rules', sourcePort: 'valid', target: 'out' },
    ],
  };
}

test('the quality panel shows a flow’s gaps against its targets, and the alerts page acknowledges and silences what fired', async ({ page }) => {
  const created = await api<{ id: string }>('POST', '/api/flows', {
    ...customersGraph('Customers (quality e2e)'),
    settings: {
      quality: { duplicateKey: 'id', consistencyRules: ['credit_positive'] },
      alerts: { data_quality_degradation: { forSeconds: 0, windowSeconds: 120 } },
    },
  });
  expect(created.status).toBe(201);
  const flowId = created.body.id;
  expect((await api('POST', `/api/flows/${flowId}/deploy`)).status).toBe(200);
  // 100 customers: 8 without an email, 3 with a negative credit, and 2 sent twice.
  const customers = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, email: i < 8 ? '' : `c${i}@example.com`, credit: i >= 8 && i < 11 ? -5 : 100 }));
  expect((await api('POST', `/api/flows/${flowId}/ingest`, customers)).status).toBe(202);
  await expect.poll(async () => (await api<FlowQuality>('GET', `/api/flows/${flowId}/quality`)).body.windows[0]!.records, { timeout: 30_000 }).toBe(100);
  expect((await api('POST', `/api/flows/${flowId}/ingest`, customers.slice(20, 22))).status).toBe(202);
  await expect.poll(async () => (await api<FlowQuality>('GET', `/api/flows/${flowId}/quality`)).body.windows[0]!.duplicates, { timeout: 30_000 }).toBe(2);

  await page.goto(`/flows/${flowId}`);
  await page.getByTestId('tab-quality').click();
  const panel = page.getByTestId('quality-panel');
  await expect(panel).toBeVisible();
  // 94 of 102 complete; 91 passed both validators; 102 − 3 inconsistent − 2 duplicates = 97.
  await expect(panel.getByTestId('quality-completeness')).toContainText('92.2%');
  await expect(panel.getByTestId('quality-accuracy')).toContainText('89.2%');
  await expect(panel.getByTestId('quality-consistency')).toContainText('95.1%');
  await expect(panel.getByTestId('quality-completeness').locator('td.below').first()).toBeVisible();
  await expect(panel).toContainText('Required fields: id, email');
  await shot(page, 'quality-panel');

  // Accuracy 89% is under the 95% of data_quality_degradation: it fires, and the banner says so app-wide.
  const banner = page.getByTestId('alerts-banner');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner).toContainText('Data quality degradation');
  await banner.getByRole('link', { name: 'See alerts' }).click();
  await expect(page).toHaveURL(/\/alerts$/);
  const alert = (await api<{ items: Alert[] }>('GET', `/api/alerts?flowId=${flowId}`)).body.items.find((a) => a.rule === 'data_quality_degradation')!;
  const row = page.getByTestId(`alert-row-${alert.id}`);
  await expect(row).toContainText('firing');
  await expect(row).toContainText('Customers (quality e2e)');
  await expect(page.getByTestId('alert-history')).toContainText('Data quality degradation');
  await shot(page, 'alerts-page');

  // An admin adds a notification channel: its signing secret is shown once; then removes it.
  const channels = page.getByTestId('alert-channels');
  await channels.getByLabel('Channel name').fill('ops chat');
  await channels.getByLabel('Channel URL').fill('http://127.0.0.1:9/hook');
  await channels.getByLabel('Channel format').selectOption('slack');
  await channels.getByRole('button', { name: 'Add channel' }).click();
  await expect(channels.getByTestId('channel-secret')).toContainText(/[A-Za-z0-9_-]{40,}/);
  await expect(channels.getByRole('row', { name: /ops chat/ })).toContainText('Slack-compatible');
  await channels.getByRole('button', { name: 'Remove channel ops chat' }).click();
  await expect(channels.getByRole('row', { name: /ops chat/ })).toHaveCount(0);

  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(row).toContainText('admin@e2e.local');
  await row.getByRole('combobox', { name: /Silence Data quality degradation/ }).selectOption('60');
  await expect(row).toContainText('silenced');
  await expect(page.getByTestId('alerts-banner')).toHaveCount(0);
  const after = (await api<{ items: Alert[] }>('GET', `/api/alerts?flowId=${flowId}`)).body.items.find((a) => a.id === alert.id)!;
  expect(after.acknowledgedBy).toBe('admin@e2e.local');
  expect(Date.parse(after.silencedUntil!)).toBeGreaterThan(Date.now() + 55 * 60_000);
});

test('the workers page lists the worker process with a fresh heartbeat', async ({ page }) => {
  await page.goto('/workers');
  const card = page.locator('[data-testid^="worker-"]').filter({ hasText: 'alive' });
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('worker-heartbeat')).toContainText(/heartbeat \d+(\.\d)? s ago/);
  await shot(page, 'workers-page');
});
