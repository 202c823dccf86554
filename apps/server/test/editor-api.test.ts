import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterPage, DryRunResult, FlowMetrics, FlowSummary, Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow, makeOrders, ordersFlow } from './fixtures.js';

describe('the API behind the editor: dry run, metrics, flows list, dead-letter search, the web app', () => {
  let t: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const graph = (): Graph => ordersFlow({ receiverUrl: 'http://127.0.0.1:9/never-called', databaseUrl: 'postgresql://nobody@127.0.0.1:9/none' });

  it('dry-runs sample records through an unsaved graph without touching any sink', async () => {
    const res = await t.api<DryRunResult>('POST', '/api/dry-run', { graph: graph(), records: makeOrders(20) });
    expect(res.status).toBe(200);
    const node = (id: string) => res.body.nodes.find((n) => n.nodeId === id)!;
    expect(node('in')).toMatchObject({ in: 20, out: { out: 20 } });
    expect(node('map').outputs.out![0]).toMatchObject({ order_id: 'o-0', email: 'customer0@example.com', item_count: 2 });
    expect(node('rules').out).toEqual({ valid: 18, invalid: 2 });
    expect(node('rules').errors).toHaveLength(2);
    expect(node('rules').errors[0]!.error.failures![0]!.rule).toBe('total_matches_items');
    expect(node('mask').outputs.out![0]).toMatchObject({ email: 'c***@example.com' });
    // Sinks pretend: the unreachable receiver and database were never called, yet count what they would get.
    expect(node('http')).toMatchObject({ in: 18, out: { delivered: 18 } });
    expect(node('pg')).toMatchObject({ in: 18, out: { delivered: 18 } });

    const broken = graph();
    broken.nodes[2]!.config = { rules: [{ name: 'r', expression: '$sum(', message: 'm' }] };
    const refused = await t.api<{ error: { code: string; details: { errors: { nodeId: string }[] } } }>('POST', '/api/dry-run', { graph: broken, records: [{}] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.errors[0]!.nodeId).toBe('rules');
    const empty = await t.api('POST', '/api/dry-run', { graph: graph(), records: [] });
    expect(empty.status).toBe(400);
    const tooMany = await t.api('POST', '/api/dry-run', { graph: graph(), records: Array.from({ length: 1001 }, () => ({})) });
    expect(tooMany.status).toBe(400);
  });

  it('shows a webhook schema refusal as the source node\'s error in a dry run', async () => {
    const g: Graph = {
      name: 'schema',
      nodes: [
        { id: 'in', type: 'source.webhook', config: { schema: { type: 'object', required: ['id'] } }, position: { x: 0, y: 0 } },
        { id: 'log', type: 'sink.log', config: {}, position: { x: 0, y: 0 } },
      ],
      edges: [{ id: 'e', source: 'in', sourcePort: 'out', target: 'log' }],
    };
    const res = await t.api<DryRunResult>('POST', '/api/dry-run', { graph: g, records: [{ id: 1 }, { nope: true }] });
    const source = res.body.nodes.find((n) => n.nodeId === 'in')!;
    expect(source.in).toBe(1);
    expect(source.errors).toHaveLength(1);
    expect(source.errors[0]!.record).toEqual({ nope: true });
  });

  it('keeps a metrics series, lists flows with their live figures, and finds dead letters by error text', async () => {
    const flow = await deployFlow(t, evenFlow('metrics'));
    await t.api('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 400 }, (_, n) => ({ n })));
    const metrics = await waitFor('a metrics series with the 400 records', async () => {
      const m = await t.api<FlowMetrics>('GET', `/api/flows/${flow.id}/metrics?minutes=15`);
      const total = m.body.points.reduce((a, p) => a + p.recordsPerSecond * m.body.stepSeconds, 0);
      return Math.round(total) === 400 ? m.body : undefined;
    });
    expect(metrics.stepSeconds).toBe(5);
    expect(metrics.points.length).toBeGreaterThanOrEqual(179);
    const busy = metrics.points.filter((p) => p.recordsPerSecond > 0);
    expect(busy.every((p) => p.validationPassRate !== null && p.errorRate !== null)).toBe(true);
    const deadLettered = busy.reduce((a, p) => a + p.errorRate! * p.recordsPerSecond, 0) / busy.reduce((a, p) => a + p.recordsPerSecond, 0);
    expect(deadLettered).toBeCloseTo(0.5, 5);
    const delivered = metrics.points.reduce((a, p) => a + p.deliveredPerSecond * metrics.stepSeconds, 0);
    expect(Math.round(delivered)).toBe(200);
    expect(busy.some((p) => p.latencyP99 !== null)).toBe(true);
    const passed = busy.reduce((a, p) => a + (p.validationPassRate ?? 0) * p.recordsPerSecond, 0) / busy.reduce((a, p) => a + p.recordsPerSecond, 0);
    expect(passed).toBeCloseTo(0.5, 5);
    expect((await t.api('GET', `/api/flows/${flow.id}/metrics?minutes=0`)).status).toBe(400);

    const list = await t.api<FlowSummary[]>('GET', '/api/flows');
    const summary = list.body.find((f) => f.id === flow.id)!;
    expect(summary.nodeCount).toBe(3);
    expect(summary.live.recordsPerSecond).toBeCloseTo(400 / 60, 5);
    expect(summary.live.errorRate).toBeCloseTo(0.5, 5);
    expect(summary.status).toBe('deployed');
    expect('graph' in summary).toBe(false);

    const found = await t.api<DeadLetterPage>('GET', `/api/flows/${flow.id}/dead-letters?q=${encodeURIComponent('BROKE 1')}&limit=500`);
    expect(found.body.items).toHaveLength(200);
    const none = await t.api<DeadLetterPage>('GET', `/api/flows/${flow.id}/dead-letters?q=${encodeURIComponent('100%_')}`);
    expect(none.body.items).toHaveLength(0);
    const all = await t.api<DeadLetterPage>('GET', `/api/dead-letters?flowId=${flow.id}&nodeId=even&limit=5`);
    expect(all.body.items).toHaveLength(5);
    expect(all.body.nextCursor).not.toBeNull();
  });

  it('changes only the settings an update names', async () => {
    const created = await t.api<{ id: string; settings: { chunkSize: number; maxBacklog: number } }>('POST', '/api/flows', { ...graph(), settings: { maxBacklog: 500 } });
    expect(created.body.settings).toEqual({ chunkSize: 500, maxBacklog: 500, parallelism: 4, pii: [] });
    const updated = await t.api<{ settings: unknown; name: string }>('PUT', `/api/flows/${created.body.id}`, { ...graph(), name: 'renamed', settings: { chunkSize: 50 } });
    expect(updated.body.settings).toEqual({ chunkSize: 50, maxBacklog: 500, parallelism: 4, pii: [] });
    const untouched = await t.api<{ settings: unknown }>('PUT', `/api/flows/${created.body.id}`, { ...graph(), name: 'renamed' });
    expect(untouched.body.settings).toEqual({ chunkSize: 50, maxBacklog: 500, parallelism: 4, pii: [] });
  });

  it('answers unknown API paths with a JSON 404, not the web app', async () => {
    const api = await fetch(`${t.url}/api/nope`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
