import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { api, deploy, screenshot } from './support';

test('(f) a broker source shows its connection on the node: failing to connect, with the reason', async ({ page }) => {
  // A queue that does not exist: the worker keeps trying, and the node says why it cannot consume.
  const queue = `e2e_missing_${randomBytes(4).toString('hex')}`;
  const flowId = await deploy({
    name: 'Orders from RabbitMQ',
    nodes: [
      { id: 'orders-queue', type: 'source.amqp', config: { url: 'amqp://guest:guest@127.0.0.1:5672', queue }, position: { x: 0, y: 0 } },
      { id: 'log', type: 'sink.log', config: {}, position: { x: 320, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'orders-queue', sourcePort: 'out', target: 'log' }],
  });
  try {
    await page.goto(`/flows/${flowId}`);
    const dot = page.getByTestId('connector-orders-queue');
    await expect(dot).toHaveAttribute('data-state', /reconnecting|error/, { timeout: 30_000 });
    await expect(dot).toHaveAttribute('title', new RegExp(`NOT_FOUND - no queue '${queue}'`));
    // The password in the URL never reaches the page.
    expect(await dot.getAttribute('title')).not.toContain('guest:guest');
    await screenshot(page, 'connector-status');
    // Nodes that are not broker sources have no dot.
    await expect(page.getByTestId('connector-log')).toHaveCount(0);
  } finally {
    await api('POST', `/api/flows/${flowId}/stop`);
  }
});
