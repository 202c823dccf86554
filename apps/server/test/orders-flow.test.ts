import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterPage, FlowStats } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { makeOrders, ordersFlow, startReceiver } from './fixtures.js';

describe('the orders flow, end to end (done-means 1)', () => {
  let t: TestSluice;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    t = await startTestSluice();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  it('delivers every valid order exactly once, dead-letters every invalid one, and the stats add up', async () => {
    const flow = await deployFlow(t, ordersFlow({ receiverUrl: receiver.url, databaseUrl: t.databaseUrl }));
    const orders = makeOrders(10_000);
    const ids = new Map<string, string>(); // record id → order id
    for (let i = 0; i < orders.length; i += 500) {
      const batch = orders.slice(i, i + 500);
      const res = await t.api<{ accepted: number; ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, batch, { 'x-correlation-id': `batch-${i}` });
      expect(res.status).toBe(202);
      expect(res.body.accepted).toBe(batch.length);
      res.body.ids.forEach((id, j) => ids.set(id, batch[j]!.id));
    }
    expect(ids.size).toBe(10_000);

    const stats = await waitFor(
      'every order to be delivered or dead-lettered',
      async () => {
        const s = await t.api<FlowStats>('GET', `/api/flows/${flow.id}/stats`);
        const node = (id: string) => s.body.nodes.find((n) => n.nodeId === id)!;
        const done = node('pg').out.delivered === 9000 && node('http').out.delivered === 9000 && node('rules').deadLettered === 1000 && s.body.totals.queued === 0;
        return done ? s.body : undefined;
      },
      120_000,
      500,
    );

    const { rows } = await t.pool.query('SELECT sluice_id::text AS id, order_id, email, total, item_count FROM orders_out');
    expect(rows).toHaveLength(9000);
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(9000);
    for (const row of rows) {
      expect(ids.get(row.id)).toBe(row.order_id);
      expect(Number(row.order_id.split('-')[1]) % 10).not.toBe(9);
      expect(row.email).toMatch(/^c\*\*\*@example\.com$/);
      expect(row.item_count).toBe(2);
    }

    const validIds = [...ids].filter(([, orderId]) => Number(orderId.split('-')[1]) % 10 !== 9).map(([id]) => id);
    const keys = new Set(receiver.delivered().map((r) => r.idempotencyKey));
    for (const id of validIds) expect(keys.has(id)).toBe(true);
    expect(receiver.delivered().every((r) => typeof r.correlationId === 'string' && r.correlationId.startsWith('batch-'))).toBe(true);

    const letters: DeadLetterPage['items'] = [];
    let cursor: string | null = null;
    do {
      const page: { body: DeadLetterPage } = await t.api<DeadLetterPage>('GET', `/api/flows/${flow.id}/dead-letters?limit=300${cursor ? `&cursor=${cursor}` : ''}`);
      letters.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(letters).toHaveLength(1000);
    expect(new Set(letters.map((l) => l.id)).size).toBe(1000);
    for (const letter of letters) {
      expect(letter.nodeId).toBe('rules');
      expect(letter.status).toBe('pending');
      expect(letter.error.kind).toBe('invalid');
      expect(letter.error.failures?.map((f) => f.rule)).toEqual(['total_matches_items']);
      expect(Number((letter.record as { order_id: string }).order_id.split('-')[1]) % 10).toBe(9);
    }

    // in = out + dead-lettered, node by node
    for (const node of stats.nodes) {
      const out = Object.values(node.out).reduce((a, b) => a + b, 0);
      expect(node.in, `node ${node.nodeId}`).toBe(out + node.deadLettered);
    }
    expect(stats.totals.ingested).toBe(10_000);
    expect(stats.totals.pendingDeadLetters).toBe(1000);
  });
});
