import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DeadLetterEvent, FlowStats, ServerToClientEvents } from '@sluice/shared';
import { FlowStatsSchema, DeadLetterEventSchema } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

describe('live numbers over socket.io (done-means 5)', () => {
  let t: TestSluice;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    socket?.close();
    await t?.stop();
  });

  it('streams stats that reach the final totals, and dead-letter events', async () => {
    const flow = await deployFlow(t, evenFlow('live'));

    // Without credentials the socket is refused.
    const anonymous = io(t.url, { transports: ['websocket'], reconnection: false });
    const refused = await new Promise<string>((resolve) => {
      anonymous.once('connect', () => resolve('connected'));
      anonymous.once('connect_error', (err) => resolve(err.message));
    });
    anonymous.close();
    expect(refused).toMatch(/unauthorized/);

    socket = io(t.url, { transports: ['websocket'], reconnection: false, auth: { token: t.token } });
    const stats: FlowStats[] = [];
    const deadLetters: DeadLetterEvent[] = [];
    socket.on('stats', (s) => stats.push(FlowStatsSchema.parse(s)));
    socket.on('deadLetter', (e) => deadLetters.push(DeadLetterEventSchema.parse(e)));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const bad = await socket.emitWithAck('subscribe', { flowId: 'not-a-flow' } as never);
    expect(bad.ok).toBe(false);
    const ack = await socket.emitWithAck('subscribe', { flowId: flow.id });
    expect(ack).toEqual({ ok: true });
    await waitFor('the first stats event on subscribe', async () => (stats.length > 0 ? true : undefined), 5000);
    expect(stats[0]!.totals.ingested).toBe(0);

    for (let i = 0; i < 4; i++) {
      const batch = Array.from({ length: 500 }, (_, j) => ({ n: i * 500 + j }));
      expect((await t.api('POST', `/api/flows/${flow.id}/ingest`, batch)).status).toBe(202);
    }
    const last = await waitFor(
      'a stats event with the final totals',
      async () => stats.find((s) => s.totals.ingested === 2000 && s.totals.delivered === 1000 && s.totals.deadLettered === 1000),
      30_000,
    );
    expect(last.flowId).toBe(flow.id);
    const even = last.nodes.find((n) => n.nodeId === 'even')!;
    expect(even.out).toEqual({ valid: 1000 });
    expect(even.deadLettered).toBe(1000);
    expect(last.totals.pendingDeadLetters).toBe(1000);
    // Counts only grow from event to event.
    const ingested = stats.map((s) => s.totals.ingested);
    expect(ingested).toEqual([...ingested].sort((a, b) => a - b));

    await waitFor('dead-letter events for all 1000', async () => (deadLetters.reduce((a, e) => a + e.count, 0) === 1000 ? true : undefined), 10_000);
    expect(deadLetters.every((e) => e.flowId === flow.id && e.sample.every((s) => s.nodeId === 'even' && s.error.kind === 'invalid'))).toBe(true);

    // After unsubscribing, no more events for that flow arrive.
    socket.emit('unsubscribe', { flowId: flow.id });
    await new Promise((r) => setTimeout(r, 300));
    const seen = stats.length;
    await t.api('POST', `/api/flows/${flow.id}/ingest`, { n: 2 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(stats.length).toBe(seen);
  });
});
