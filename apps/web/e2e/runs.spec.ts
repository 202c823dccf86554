import { expect, test } from '@playwright/test';
import type { DeadLetterPage, RunPage } from '@sluice/shared';
import { api, database, deploy, screenshot } from './support';

test('(f) an analyst uploads a CSV from the flow page, and its run shows on the Runs page with the bad line dead-lettered', async ({ page }) => {
  const db = database();
  try {
    const flowId = await deploy({
      name: 'Customers from CSV (e2e)',
      nodes: [
        { id: 'csv', type: 'source.file', config: { format: 'csv' }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.postgres', config: { connectionString: process.env.SLUICE_E2E_DATABASE_URL!, table: 'e2e_csv_customers', columns: [{ name: 'id', type: 'integer' }, { name: 'name' }] }, position: { x: 300, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'csv', sourcePort: 'out', target: 'out' }],
    });
    await page.goto(`/flows/${flowId}`);
    const csv = 'id,name\n1,Ada\n2,Grace\n3,"Edsger\n4,Barbara\n';
    await page.getByTestId('file-csv').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(page.getByText('Took in customers.csv: 4 lines, 1 of them unreadable (dead letters).', { exact: false })).toBeVisible();

    await page.getByTestId('runs-link').click();
    await expect(page).toHaveURL(new RegExp(`/flows/${flowId}/runs$`));
    const row = page.getByTestId('run-row').first();
    await expect(row).toContainText('File upload');
    await expect(row).toContainText('Succeeded', { timeout: 30_000 });
    await screenshot(page, 'runs-page');
    const runs = (await api<RunPage>('GET', `/api/flows/${flowId}/runs`)).body;
    expect(runs.items[0]).toMatchObject({ trigger: 'file', fetched: 4, delivered: 3, deadLettered: 1 });
    expect((await db.query('SELECT count(*)::int AS n FROM e2e_csv_customers')).rows[0].n).toBe(3);
    const letters = (await api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters`)).body.items;
    expect(letters.map((l) => l.error.message)).toEqual([expect.stringMatching(/^line 4: /)]);
  } finally {
    await db.end();
  }
});
