import { expect, test } from '@playwright/test';
import type { DeadLetterPage } from '@sluice/shared';
import { api, database, deploy, ingest, makeOrders, ordersGraph, screenshot, startReceiver } from './support';

test('(b) an analyst fixes a dead letter\'s total, retries it, and it is delivered', async ({ page }) => {
  const receiver = await startReceiver();
  const db = database();
  try {
    const flowId = await deploy(ordersGraph('Orders (dead letters e2e)', receiver.url, 'e2e_dl_orders'));
    const recordIds = await ingest(flowId, makeOrders(50, 'dl'));
    // Order dl-9 has a wrong total; wait until all five bad ones are dead letters.
    await expect
      .poll(async () => (await api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters?status=pending`)).body.items.length, { timeout: 30_000 })
      .toBe(5);
    const letters = (await api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters?status=pending`)).body.items;
    const target = letters.find((l) => (l.record as { order_id: string }).order_id === 'dl-9')!;
    expect(target.recordId).toBe(recordIds[9]);

    await page.goto(`/flows/${flowId}/dead-letters`);
    const row = page.getByTestId(`dead-letter-row-${target.id}`);
    await expect(row).toBeVisible();
    await expect(row).toContainText('total_matches');
    await screenshot(page, 'dead-letters-table');

    await row.getByRole('button', { name: new RegExp(`Open dead letter ${target.id}`) }).click();
    const drawer = page.getByTestId('dead-letter-drawer');
    await expect(drawer).toBeVisible();
    await expect(drawer).toContainText('total must equal the sum of price × qty');

    // Edit the record: the right total for dl-9 (10 × 1 + 4.5 × 2 = 19).
    const record = { ...(target.record as Record<string, unknown>), total: 19 };
    const editor = drawer.getByLabel('Record JSON');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await editor.pressSequentially('{ "broken": ', { delay: 5 });
    await expect(drawer.getByTestId('record-json-error')).toBeVisible();
    await expect(drawer.getByRole('button', { name: 'Save record' })).toBeDisabled();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify(record, null, 2));
    await expect(drawer.getByTestId('record-json-error')).toHaveCount(0);
    await drawer.getByRole('button', { name: 'Save record' }).click();
    await expect.poll(async () => (await api<{ record: { total: number } }>('GET', `/api/dead-letters/${target.id}`)).body.record.total).toBe(19);

    await drawer.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect(drawer.getByTestId('dead-letter-status')).toContainText(/retried/i);

    // Delivered: the fixed order reaches the table and the receiver, under its original record id.
    await expect
      .poll(async () => (await db.query('SELECT total::float AS total FROM e2e_dl_orders WHERE order_id = $1', ['dl-9'])).rows[0]?.total, { timeout: 30_000 })
      .toBe(19);
    expect(receiver.keys.has(target.recordId)).toBe(true);
    const after = (await api<{ status: string }>('GET', `/api/dead-letters/${target.id}`)).body;
    expect(after.status).toBe('retried');

    await drawer.getByRole('button', { name: 'Close' }).click();
    await expect(page.getByTestId(`dead-letter-row-${target.id}`)).toHaveAttribute('data-status', 'retried');
  } finally {
    await db.end();
    await receiver.close();
  }
});
