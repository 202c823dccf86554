import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterPage, FlowStats, Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { makeOrders, ordersFlow, startReceiver } from './fixtures.js';

/** webhook → http sink, nothing else: the shortest flow to exercise a sink's failure handling. */
function httpOnlyFlow(url: string, retry: Record<string, unknown>): Graph {
  return {
    name: 'http only',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'http', type: 'sink.http', config: { url, timeoutMs: 5000, retry }, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'http' }],
  };
}

async function deadLetters(t: TestSluice, flowId: string): Promise<DeadLetter[]> {
  const page = await t.api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters?limit=500`);
  return page.body.items;
}

describe('sink failures: retries, Retry-After, permanent errors and replay (done-means 2)', () => {
  let t: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('gets everything through 503 + Retry-After, then 500s, then 429s', async () => {
    const receiver = await startReceiver((n) => {
      if (n < 40) return { status: 503, headers: { 'retry-after': '1' } };
      if (n < 70) return { status: 500 };
      if (n < 90) return { status: 429, headers: { 'retry-after': '1' } };
      return { status: 200 };
    });
    try {
      const flow = await deployFlow(
        t,
        ordersFlow({ receiverUrl: receiver.url, databaseUrl: t.databaseUrl, table: 'retry_orders', retry: { strategy: 'exponential', maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 500 } }),
      );
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, makeOrders(100));
      expect(res.status).toBe(202);
      const validIds = res.body.ids.filter((_, i) => i % 10 !== 9);

      await waitFor('all 90 valid orders at the receiver', async () => (new Set(receiver.delivered().map((r) => r.idempotencyKey)).size === 90 ? true : undefined), 60_000);
      const keys = receiver.delivered().map((r) => r.idempotencyKey);
      expect(new Set(keys)).toEqual(new Set(validIds));
      // Every failure class was really seen before success.
      const statuses = new Set(receiver.requests.map((r) => r.status));
      expect([...statuses].sort()).toEqual([200, 429, 500, 503]);
      const stats = await waitFor('stats to settle', async () => {
        const s = await t.api<FlowStats>('GET', `/api/flows/${flow.id}/stats`);
        const http = s.body.nodes.find((n) => n.nodeId === 'http')!;
        return http.out.delivered === 90 && s.body.totals.queued === 0 ? s.body : undefined;
      });
      const http = stats.nodes.find((n) => n.nodeId === 'http')!;
      expect(http.in).toBe(90); // retries are not counted as new input
      expect(http.errors).toBe(90);
      expect(http.deadLettered).toBe(0);
      // Records answered 503 with Retry-After: 1 were not tried again before that second was up.
      for (const first of receiver.requests.slice(0, 40)) {
        const next = receiver.requests.find((r) => r.idempotencyKey === first.idempotencyKey && r.at > first.at);
        expect(next!.at - first.at).toBeGreaterThanOrEqual(950);
      }
      const dl = await deadLetters(t, flow.id);
      expect(dl.filter((d) => d.nodeId === 'http')).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('sends 400s straight to the dead letters with the status, and an edited dead letter is delivered on retry', async () => {
    const receiver = await startReceiver((_n, body) => {
      const orderId = (body as { order_id?: string }).order_id ?? '';
      return { status: orderId.startsWith('reject-') ? 400 : 200 };
    });
    try {
      const flow = await deployFlow(t, httpOnlyFlow(receiver.url, { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 }));
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, [
        { order_id: 'ok-1' },
        { order_id: 'reject-1' },
        { order_id: 'ok-2' },
        { order_id: 'reject-2' },
      ]);
      expect(res.status).toBe(202);
      const [, reject1, , reject2] = res.body.ids;

      const letters = await waitFor('two dead letters', async () => {
        const items = await deadLetters(t, flow.id);
        return items.length === 2 ? items : undefined;
      });
      // Permanent: one attempt each, no retries sent.
      expect(receiver.requests.filter((r) => (r.body as { order_id: string }).order_id.startsWith('reject-'))).toHaveLength(2);
      for (const letter of letters) {
        expect(letter.nodeId).toBe('http');
        expect(letter.error.kind).toBe('permanent');
        expect(letter.error.status).toBe(400);
        expect(letter.error.body).toContain('the receiver refused this');
        expect(letter.attempts).toBe(1);
      }
      const letter = letters.find((l) => l.recordId === reject1)!;
      expect(letter.record).toEqual({ order_id: 'reject-1' });

      const patched = await t.api<DeadLetter>('PATCH', `/api/dead-letters/${letter.id}`, { record: { order_id: 'fixed-1' } });
      expect(patched.status).toBe(200);
      expect(patched.body.record).toEqual({ order_id: 'fixed-1' });

      const retried = await t.api<{ count: number }>('POST', '/api/dead-letters/retry', { ids: [letter.id] });
      expect(retried.body).toEqual({ count: 1 });
      await waitFor('the fixed record at the receiver', async () =>
        receiver.delivered().some((r) => r.idempotencyKey === reject1 && (r.body as { order_id: string }).order_id === 'fixed-1') ? true : undefined,
      );
      const after = await deadLetters(t, flow.id);
      expect(after.find((l) => l.id === letter.id)!.status).toBe('retried');
      expect(after.find((l) => l.recordId === reject2)!.status).toBe('pending');
      // A second retry of the same letter does nothing: it is no longer pending.
      const again = await t.api<{ count: number }>('POST', '/api/dead-letters/retry', { ids: [letter.id] });
      expect(again.body).toEqual({ count: 0 });

      // Retrying the unedited one fails again, as a new dead letter of the next generation.
      await t.api('POST', '/api/dead-letters/retry', { flowId: flow.id, all: true });
      const third = await waitFor('a second-generation dead letter', async () => {
        const items = await deadLetters(t, flow.id);
        return items.find((l) => l.recordId === reject2 && l.generation === 1);
      });
      expect(third.status).toBe('pending');
      expect(third.error.status).toBe(400);

      const discarded = await t.api<{ count: number }>('POST', '/api/dead-letters/discard', { ids: [third.id] });
      expect(discarded.body).toEqual({ count: 1 });
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters a record once its attempts are used up', async () => {
    const receiver = await startReceiver(() => ({ status: 500 }));
    try {
      const flow = await deployFlow(t, httpOnlyFlow(receiver.url, { strategy: 'linear', maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 }));
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, { order_id: 'never' });
      const letter = await waitFor('the exhausted dead letter', async () => (await deadLetters(t, flow.id))[0]);
      expect(letter.recordId).toBe(res.body.ids[0]);
      expect(letter.error.kind).toBe('exhausted');
      expect(letter.error.status).toBe(500);
      expect(letter.attempts).toBe(3);
      expect(receiver.requests).toHaveLength(3);
      expect(new Set(receiver.requests.map((r) => r.idempotencyKey))).toEqual(new Set([res.body.ids[0]]));
    } finally {
      await receiver.close();
    }
  });
});
