// Data quality against a fixture with known gaps: the shares come out exact, in the API and in /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowQuality, Graph } from '@sluice/shared';
import { startTestSluice, waitFor, type TestSluice } from './harness.js';
import { parseMetrics } from './prometheus.js';

const at = { x: 0, y: 0 };
const graph: Graph = {
  name: 'quality',
  nodes: [
    { id: 'in', type: 'source.webhook', config: {}, position: at },
    {
      id: 'schema',
      type: 'validate.schema',
      config: { schema: { type: 'object', required: ['id', 'email'], properties: { id: { type: 'string' }, email: { type: 'string', minLength: 1 } } } },
      position: at,
    },
    { id: 'rules', type: 'validate.rules', config: { rules: [{ name: 'total_positive', expression: 'total > 0', message: 'total must be positive' }] }, position: at },
    { id: 'out', type: 'sink.log', config: { includeData: false }, position: at },
  ],
  edges: [
    { id: 'e1', source: 'in', sourcePort: 'out', target: 'schema' },
    { id: 'e2', source: 'schema', sourcePort: 'valid', target: 'rules' },
    { id: 'e3', source: 'rules', sourcePort: 'valid', target: 'out' },
  ],
};

describe('data quality per flow over sliding windows', () => {
  let t: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('measures completeness, accuracy, freshness and consistency of a fixture with known gaps', async () => {
    const created = await t.api<{ id: string }>('POST', '/api/flows', {
      ...graph,
      settings: { quality: { eventTimeField: 'ts', duplicateKey: 'id', consistencyRules: ['total_positive'] } },
    });
    expect(created.status).toBe(201);
    const flowId = created.body.id;
    expect((await t.api('POST', `/api/flows/${flowId}/deploy`)).status).toBe(200);

    // 196 distinct records a minute old: 10 with an empty email (incomplete, fail the schema),
    // 5 with a negative total (fail the consistency rule); then 4 repeats of earlier ids.
    const ts = new Date(Date.now() - 60_000).toISOString();
    const first = Array.from({ length: 196 }, (_, i) => ({ id: `r${i}`, email: i >= 10 && i < 20 ? '' : `p${i}@example.com`, total: i >= 20 && i < 25 ? -1 : 10, ts }));
    const repeats = Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, email: `p${i}@example.com`, total: 10, ts }));
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, first)).status).toBe(202);
    await waitFor('the first records counted', async () => {
      const q = await t.api<FlowQuality>('GET', `/api/flows/${flowId}/quality`);
      return q.body.windows[0]!.records === 196 ? true : undefined;
    });
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, repeats)).status).toBe(202);

    const quality = await waitFor('all 200 records measured', async () => {
      const q = await t.api<FlowQuality>('GET', `/api/flows/${flowId}/quality`);
      expect(q.status).toBe(200);
      const validated = q.body.nodes.find((n) => n.nodeId === 'rules')?.accuracy[0];
      return q.body.windows[0]!.records === 200 && validated !== null ? q.body : undefined;
    });
    expect(quality.windows.map((w) => w.windowSeconds)).toEqual([300, 3600, 86_400]);
    for (const w of quality.windows) {
      expect(w.records).toBe(200);
      expect(w.completeness).toBe(190 / 200);
      expect(w.accuracy).toBe((200 - 10 - 5) / 200);
      expect(w.consistency).toBe((200 - 5 - 4) / 200);
      expect(w.duplicates).toBe(4);
      expect(w.freshnessSeconds).toBeGreaterThanOrEqual(60);
      expect(w.freshnessSeconds).toBeLessThan(120);
    }
    expect(quality.nodes).toEqual([
      { nodeId: 'schema', accuracy: [0.95, 0.95, 0.95] },
      { nodeId: 'rules', accuracy: [185 / 190, 185 / 190, 185 / 190] },
    ]);
    // Required fields come from the schema validator; targets default to the seed's.
    expect(quality.requiredFields).toEqual(['id', 'email']);
    expect(quality.targets).toEqual({ completeness: 0.99, accuracy: 0.995, freshnessSeconds: 300, consistency: 0.999 });

    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.token}` } });
    const samples = parseMetrics(await res.text());
    const gauge = (name: string, window: string) => samples.find((s) => s.name === name && s.labels.flow === flowId && s.labels.window === window)?.value;
    expect(gauge('sluice_data_quality_completeness', '5m')).toBe(0.95);
    expect(gauge('sluice_data_quality_accuracy', '1h')).toBe(0.925);
    expect(gauge('sluice_data_quality_consistency', '24h')).toBe(0.955);
    expect(gauge('sluice_data_quality_freshness_seconds', '5m')).toBeGreaterThanOrEqual(60);
  });

  it('refuses quality settings it cannot use, naming the field', async () => {
    const bad = await t.api<{ error: { message: string } }>('POST', '/api/flows', { ...graph, settings: { quality: { duplicateKey: 'a..b' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/settings\.quality\.duplicateKey/);
    expect((await t.api('GET', '/api/flows/00000000-0000-4000-8000-000000000000/quality')).status).toBe(404);
  });
});
