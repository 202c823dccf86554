import { expect, test, type Locator, type Page } from '@playwright/test';
import type { Flow, FlowStats } from '@sluice/shared';
import { api, database, ingest, makeOrders, ordersGraph, screenshot, startReceiver } from './support';

async function emptyFlow(name: string): Promise<string> {
  const created = await api<Flow>('POST', '/api/flows', { name, nodes: [], edges: [] });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function addNode(page: Page, type: string, x: number, y: number): Promise<void> {
  await page.getByTestId(`palette-item-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
}

async function connect(page: Page, from: string, to: string): Promise<void> {
  await page.getByTestId(`handle-${from}`).dragTo(page.getByTestId(`handle-${to}`));
}

/** Opens a node's settings by clicking its title. */
async function select(page: Page, nodeId: string): Promise<Locator> {
  await page.getByTestId(`node-${nodeId}`).click({ position: { x: 30, y: 12 } });
  const panel = page.getByTestId('node-settings');
  await expect(panel.getByTestId('node-id')).toHaveValue(nodeId);
  return panel;
}

/** Removes every row of a list field ("Remove mapping 1" until none is left). */
async function clearList(panel: Locator, noun: string): Promise<void> {
  const first = panel.getByRole('button', { name: `Remove ${noun} 1`, exact: true });
  while (await first.count()) await first.click();
}

test.describe('on a wide screen', () => {
  test.use({ viewport: { width: 1920, height: 1080 } });

test('(a) build the orders flow on an empty canvas, deploy it, feed 1,000 orders and watch the counts', async ({ page }) => {
  const receiver = await startReceiver();
  const db = database();
  try {
    const flowId = await emptyFlow('Orders (built in the editor)');
    await page.goto(`/flows/${flowId}`);
    await expect(page.getByTestId('canvas-empty')).toBeVisible();

    // The first node is framed by the canvas (fit view); zoom out and move it to the left edge to
    // make room for the rest of the flow in a row.
    await addNode(page, 'source.webhook', 300, 300);
    await expect(page.getByTestId('node-webhook-1')).toBeVisible();
    await page.waitForTimeout(400);
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: /zoom out/i }).click();
    await page.waitForTimeout(300);
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const webhook = (await page.getByTestId('node-webhook-1').boundingBox())!;
    await page.mouse.move(webhook.x + webhook.width / 2, webhook.y - 120);
    await page.mouse.down();
    await page.mouse.move(canvas.x + 120, webhook.y - 120, { steps: 12 });
    await page.mouse.up();
    const y = webhook.y + webhook.height / 2 - canvas.y;
    await addNode(page, 'transform.map', 330, y);
    await addNode(page, 'validate.rules', 540, y);
    await addNode(page, 'transform.mask', 750, y);
    await addNode(page, 'sink.http', 960, y - 130);
    await addNode(page, 'sink.postgres', 960, y + 130);
    for (const id of ['webhook-1', 'map-1', 'rules-1', 'mask-1', 'http-1', 'postgres-1']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();

    await connect(page, 'webhook-1-out', 'map-1-in');
    await connect(page, 'map-1-out', 'rules-1-in');
    await connect(page, 'rules-1-valid', 'mask-1-in');
    await connect(page, 'mask-1-out', 'http-1-in');
    await connect(page, 'mask-1-out', 'postgres-1-in');
    await expect(page.locator('.react-flow__edge')).toHaveCount(5);
    await page.getByTestId('auto-layout').click();

    // Map: replace the example's mappings with the orders flow's five.
    let panel = await select(page, 'map-1');
    await clearList(panel, 'mapping');
    const mappings: [string, string, string?][] = [
      ['order_id', 'id'],
      ['email', 'customer_email', 'lowercase'],
      ['item_count', '$count(items)'],
      ['items', 'items'],
      ['total', 'total'],
    ];
    for (const [i, [target, from, op]] of mappings.entries()) {
      await panel.getByTestId('add-mappings').click();
      await panel.getByTestId(`input-mappings.${i}.target`).fill(target);
      if (from.startsWith('$')) {
        await panel.getByTestId(`variant-mappings.${i}`).selectOption({ index: 0 });
        await panel.getByTestId(`input-mappings.${i}.expression`).fill(from);
      } else {
        await panel.getByTestId(`variant-mappings.${i}`).selectOption({ index: 1 });
        await panel.getByTestId(`input-mappings.${i}.source`).fill(from);
        if (op) await panel.getByTestId(`input-mappings.${i}.op`).selectOption(op);
      }
    }

    panel = await select(page, 'rules-1');
    await clearList(panel, 'rule');
    await panel.getByTestId('add-rules').click();
    await panel.getByTestId('input-rules.0.name').fill('total_matches');
    await panel.getByTestId('input-rules.0.expression').fill('$abs(total - $sum(items.(price * qty))) <= 0.01');
    await panel.getByTestId('input-rules.0.message').fill('total must equal the sum of price × qty');

    panel = await select(page, 'mask-1');
    await clearList(panel, 'field');
    await panel.getByTestId('add-fields').click();
    await panel.getByTestId('input-fields.0.path').fill('email');
    await panel.getByTestId('input-fields.0.strategy').selectOption('email');

    panel = await select(page, 'http-1');
    await panel.getByTestId('input-url').fill(receiver.url);

    panel = await select(page, 'postgres-1');
    await panel.getByTestId('input-connectionString').fill(process.env.SLUICE_E2E_DATABASE_URL!);
    await panel.getByTestId('input-table').fill('e2e_editor_orders');
    await clearList(panel, 'column');
    const columns: [string, string][] = [['order_id', 'text'], ['email', 'text'], ['total', 'numeric'], ['item_count', 'integer']];
    for (const [i, [name, type]] of columns.entries()) {
      await panel.getByTestId('add-columns').click();
      await panel.getByTestId(`input-columns.${i}.name`).fill(name);
      await panel.getByTestId(`input-columns.${i}.type`).selectOption(type);
    }

    await expect(page.getByTestId('validation-status')).toHaveAttribute('data-state', 'ok', { timeout: 10_000 });
    await page.getByTestId('save').click();
    await expect(page.getByTestId('unsaved-marker')).toHaveCount(0);
    await page.getByTestId('deploy').click();
    await expect(page.getByTestId('notice')).toContainText('Deployed version 1');
    await expect(page.getByTestId('flow-status')).toContainText(/v1/);

    // The graph saved from the canvas is the orders flow.
    const saved = (await api<Flow>('GET', `/api/flows/${flowId}`)).body.graph;
    expect(saved.edges.map((e) => `${e.source}.${e.sourcePort}>${e.target}`).sort()).toEqual(
      ['map-1.out>rules-1', 'mask-1.out>http-1', 'mask-1.out>postgres-1', 'rules-1.valid>mask-1', 'webhook-1.out>map-1'].sort(),
    );

    await ingest(flowId, makeOrders(1000, 'ed'));
    const count = (testId: string) => page.getByTestId(testId).locator('.sn-count-value');
    await expect(count('count-in-webhook-1')).toHaveText('1,000', { timeout: 60_000 });
    await expect(count('count-in-rules-1')).toHaveText('1,000', { timeout: 60_000 });
    await expect(count('count-dead-rules-1')).toHaveText('100', { timeout: 60_000 });
    await expect(count('count-out-http-1')).toHaveText('900', { timeout: 60_000 });
    await expect(count('count-out-postgres-1')).toHaveText('900', { timeout: 60_000 });
    await expect(page.getByTestId('node-rules-1')).toHaveAttribute('data-health', /warn|error/);
    await expect(page.getByTestId('dead-letters-count')).toContainText('100');
    await screenshot(page, 'canvas-live-counts');

    const stats = (await api<FlowStats>('GET', `/api/flows/${flowId}/stats`)).body;
    expect(stats.totals).toMatchObject({ ingested: 1000, deadLettered: 100 });
    const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS d FROM e2e_editor_orders');
    expect(rows[0]).toEqual({ n: 900, d: 900 });
    expect(receiver.keys.size).toBe(900);

    await page.getByTestId('tab-metrics').click();
    const metrics = page.getByTestId('metrics-panel');
    await expect(metrics).toBeVisible();
    await expect(metrics.getByTestId('metrics-throughput')).toBeVisible();
    await expect(metrics.getByTestId('metrics-empty')).toHaveCount(0);
    await page.waitForTimeout(2500); // one refresh of the charts with the run in them
    await screenshot(page, 'metrics-panel');
  } finally {
    await db.end();
    await receiver.close();
  }
});

});

test('(c) a broken JSONata expression shows on the node and on the field, and blocks deploy naming the node', async ({ page }) => {
  const created = await api<Flow>('POST', '/api/flows', ordersGraph('Orders (broken expression)', 'http://127.0.0.1:9/never', 'e2e_broken'));
  await page.goto(`/flows/${created.body.id}`);
  const panel = await select(page, 'rules');
  await panel.getByTestId('input-rules.0.expression').fill('$abs(total - $sum(items.(price * qty)) <= ');
  await expect(page.getByTestId('node-issues-rules')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('node-rules')).toHaveAttribute('data-issues', '1');
  await expect(panel.getByTestId('error-rules.0.expression')).toContainText(/JSONata/i);
  await expect(page.getByTestId('validation-status')).toHaveAttribute('data-state', 'errors');

  await page.getByTestId('deploy').click();
  const refused = page.getByTestId('deploy-errors');
  await expect(refused).toBeVisible();
  await expect(refused.getByTestId('deploy-error-rules')).toContainText(/JSONata/i);
  await expect(refused).toContainText('rules');
  await screenshot(page, 'deploy-refused');
  const flow = (await api<Flow>('GET', `/api/flows/${created.body.id}`)).body;
  expect(flow.deployedVersion).toBeNull();
});

test('(e) Try it runs pasted records through the flow and shows what came out of every node', async ({ page }) => {
  const created = await api<Flow>('POST', '/api/flows', ordersGraph('Orders (try it)', 'http://127.0.0.1:9/never', 'e2e_try_it'));
  await page.goto(`/flows/${created.body.id}`);
  await page.getByTestId('try-it').click();
  const orders = makeOrders(10, 'try');
  await page.getByTestId('dry-run-input').fill(orders.map((o) => JSON.stringify(o)).join('\n'));
  await expect(page.getByTestId('dry-run-parse')).toContainText('10 records');
  await page.getByTestId('dry-run-run').click();
  const results = page.getByTestId('dry-run-results');
  await expect(results).toBeVisible();
  await expect(page.getByTestId('dry-run-in-map')).toContainText('10');
  await expect(page.getByTestId('dry-run-out-rules-valid')).toContainText('9');
  await expect(page.getByTestId('dry-run-out-rules-invalid')).toContainText('1');
  await expect(page.getByTestId('dry-run-in-pg')).toContainText('9');
  await expect(page.getByTestId('dry-run-chip')).toBeVisible();
  await expect(page.getByTestId('count-in-mask').locator('.sn-count-value')).toHaveText('9');

  await select(page, 'mask');
  const records = page.getByTestId('dry-run-records-mask');
  await expect(records).toContainText('c***@example.com');
  await expect(records).toContainText('customer0@example.com');
  await screenshot(page, 'try-it');
});
