import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody, FlowStats, Graph, ValidationResult } from '@sluice/shared';
import { deployFlow, startTestSluice, type TestSluice } from './harness.js';

const at = { x: 0, y: 0 };
const webhookToLog = (schema?: Record<string, unknown>): Graph => ({
  name: 'bad input',
  nodes: [
    { id: 'in', type: 'source.webhook', config: schema ? { schema } : {}, position: at },
    { id: 'log', type: 'sink.log', config: {}, position: at },
  ],
  edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'log' }],
});

describe('bad input gets a clear 4xx and changes nothing (done-means 4)', () => {
  let t: TestSluice;
  const statuses: number[] = [];
  const call = async <T = ErrorBody>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await t.api<T>(method, path, body, headers);
    statuses.push(res.status);
    return res;
  };
  beforeAll(async () => {
    t = await startTestSluice({ ingestLimitBytes: 64 * 1024 });
  });
  afterAll(async () => {
    // Nothing anyone sent in this file produced a 5xx.
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    await t?.stop();
  });

  it('refuses to deploy malformed flows with 422 naming the node, and validate lists the same errors', async () => {
    const broken: { graph: Graph; nodeId?: string; edgeId?: string }[] = [
      { graph: { ...webhookToLog(), nodes: [webhookToLog().nodes[0]!, { id: 'log', type: 'sink.nope', config: {}, position: at }] }, nodeId: 'log' },
      { graph: { ...webhookToLog(), nodes: [webhookToLog().nodes[0]!, { id: 'log', type: 'sink.http', config: { url: 'not a url' }, position: at }] }, nodeId: 'log' },
      { graph: { ...webhookToLog(), nodes: [...webhookToLog().nodes, { id: 'j', type: 'transform.jsonata', config: { expression: '(((' }, position: at }] }, nodeId: 'j' },
      { graph: { ...webhookToLog(), edges: [{ id: 'e1', source: 'in', sourcePort: 'nope', target: 'log' }] }, edgeId: 'e1' },
      { graph: { ...webhookToLog(), edges: [...webhookToLog().edges, { id: 'e2', source: 'log', sourcePort: 'out', target: 'in' }] }, nodeId: 'log' },
    ];
    for (const { graph, nodeId, edgeId } of broken) {
      const created = await call<{ id: string }>('POST', '/api/flows', graph);
      expect(created.status).toBe(201); // a draft may be broken; only deploy refuses
      const deployed = await call('POST', `/api/flows/${created.body.id}/deploy`);
      expect(deployed.status).toBe(422);
      expect(deployed.body.error.code).toBe('unprocessable');
      const errors = (deployed.body.error.details as { errors: { nodeId?: string; edgeId?: string; path: string; message: string }[] }).errors;
      expect(errors.some((e) => (nodeId ? e.nodeId === nodeId : e.edgeId === edgeId))).toBe(true);
      if (nodeId) expect(deployed.body.error.message).toContain(`"${nodeId}"`);
      const validated = await call<ValidationResult>('POST', `/api/flows/${created.body.id}/validate`);
      expect(validated.status).toBe(200);
      expect(validated.body.ok).toBe(false);
      expect(validated.body.errors).toEqual(errors);
      const flow = await call<{ status: string; deployedVersion: number | null }>('GET', `/api/flows/${created.body.id}`);
      expect(flow.body).toMatchObject({ status: 'draft', deployedVersion: null });
    }
  });

  it('validates unsaved graphs sent in the body', async () => {
    const created = await call<{ id: string }>('POST', '/api/flows', webhookToLog());
    const res = await call<ValidationResult>('POST', `/api/flows/${created.body.id}/validate`, { graph: { ...webhookToLog(), nodes: [] } });
    expect(res.body.ok).toBe(false);
    expect(res.body.errors.some((e) => e.path === 'nodes' && /source/.test(e.message))).toBe(true);
  });

  it('answers malformed API bodies with 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/flows', { nodes: [], edges: [] }, 'name'],
      ['POST', '/api/flows', { name: 'x', nodes: 'none', edges: [] }, 'nodes'],
      ['POST', '/api/flows', { name: 'x', nodes: [{ id: 'a' }], edges: [] }, 'nodes[0].type'],
      ['POST', '/api/flows', { name: 'x', nodes: [], edges: [{ id: 'e', source: 'a' }] }, 'edges[0].sourcePort'],
      ['POST', '/api/flows', { name: 'x', nodes: [], edges: [], settings: { chunkSize: 0 } }, 'settings.chunkSize'],
      ['POST', '/api/dead-letters/retry', { ids: 'all' }, ''],
      ['POST', '/api/dead-letters/retry', { flowId: 'nope', all: true }, ''],
      ['PATCH', '/api/dead-letters/1', {}, 'record'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      if (field) {
        const errors = (res.body.error.details as { errors: { path: string }[] }).errors;
        expect(errors.map((e) => e.path)).toContain(field);
      }
    }
    const notJson = await call('POST', '/api/flows', '{"name": ', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/not valid JSON/);
    expect((await call('GET', '/api/flows/not-a-uuid')).status).toBe(404);
    expect((await call('GET', '/api/flows/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('GET', '/api/dead-letters/abc')).status).toBe(404);
    expect((await call('GET', '/api/nothing-here')).status).toBe(404);
    expect((await call('GET', '/api/dead-letters?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/dead-letters?cursor=abc')).status).toBe(400);
  });

  it('rejects bad ingest bodies with the line or index at fault, and accepts none of their records', async () => {
    const flow = await deployFlow(t, webhookToLog({ type: 'object', required: ['id'], properties: { id: { type: 'string' } } }));
    const ingest = (body: string | Buffer, type = 'application/json') => call('POST', `/api/flows/${flow.id}/ingest`, body, { 'content-type': type });

    const notObject = await ingest(JSON.stringify([{ id: 'a' }, 5, { id: 'c' }]));
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.message).toMatch(/item 1/);
    const badLine = await ingest('{"id":"a"}\n{"id": \n', 'application/x-ndjson');
    expect(badLine.status).toBe(400);
    expect(badLine.body.error.message).toMatch(/line 2/);
    const schema = await ingest(JSON.stringify([{ id: 'a' }, { id: 7 }]));
    expect(schema.status).toBe(400);
    expect(schema.body.error.message).toMatch(/record 1/);
    expect(JSON.stringify(schema.body.error.details)).toContain('"index":1');
    expect((await ingest('')).status).toBe(400);
    expect((await ingest('[]')).status).toBe(400);
    expect((await ingest('"text"')).status).toBe(400);
    expect((await ingest('{"id": "a"}', 'text/csv')).status).toBe(415);
    expect((await ingest('{"id": "a"}', '')).status).toBe(415);
    const huge = await ingest(JSON.stringify([{ id: 'x'.repeat(70 * 1024) }]));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');

    // None of those added a record.
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM chunks WHERE flow_id = $1', [flow.id]);
    expect(rows[0].n).toBe(0);
    const stats = await call<FlowStats>('GET', `/api/flows/${flow.id}/stats`);
    expect(stats.body.totals.ingested).toBe(0);
    expect(stats.body.totals.queued).toBe(0);

    // A good one still goes in.
    const good = await ingest('{"id":"a"}\n\n{"id":"b"}\n', 'application/x-ndjson');
    expect(good.status).toBe(202);
    expect(good.body).toMatchObject({ accepted: 2 });
  });

  it('answers 409 for flows that are not deployed, and 429 with Retry-After when the backlog is full', async () => {
    const created = await call<{ id: string }>('POST', '/api/flows', webhookToLog());
    const draft = await call('POST', `/api/flows/${created.body.id}/ingest`, { id: 'a' });
    expect(draft.status).toBe(409);
    expect(draft.body.error.message).toMatch(/not deployed/);

    const small = await call<{ id: string }>('POST', '/api/flows', { ...webhookToLog(), settings: { maxBacklog: 10 } });
    await call('POST', `/api/flows/${small.body.id}/deploy`);
    // Stop the worker from draining so the backlog stays put for this check.
    await t.sluice.worker!.stop();
    const first = await call('POST', `/api/flows/${small.body.id}/ingest`, Array.from({ length: 8 }, (_, i) => ({ id: String(i) })));
    expect(first.status).toBe(202);
    const over = await call('POST', `/api/flows/${small.body.id}/ingest`, Array.from({ length: 5 }, (_, i) => ({ id: String(i) })));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('2');
    expect(over.body.error.code).toBe('rate_limited');
    const { rows } = await t.pool.query('SELECT coalesce(sum(record_count), 0)::int AS n FROM chunks WHERE flow_id = $1', [small.body.id]);
    expect(rows[0].n).toBe(8);

    const deleteDeployed = await call('DELETE', `/api/flows/${small.body.id}`);
    expect(deleteDeployed.status).toBe(409);
    expect(deleteDeployed.body.error.message).toMatch(/stop it before deleting/);
    const stopped = await call('POST', `/api/flows/${small.body.id}/stop`);
    expect(stopped.status).toBe(200);
    const afterStop = await call('POST', `/api/flows/${small.body.id}/ingest`, { id: 'z' });
    expect(afterStop.status).toBe(409);
    expect(afterStop.body.error.message).toMatch(/stopped/);
    expect((await call('DELETE', `/api/flows/${small.body.id}`)).status).toBe(204);
    expect((await call('GET', `/api/flows/${small.body.id}`)).status).toBe(404);
  });
});
