// Structured logs: every line about records names the flow, the node and the correlation ids, and no
// line carries record data (these records are full of personal details).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { startReceiver } from './fixtures.js';

const PII = ['Secretperson', 'jane.secret', '078-05-1120', '+44 7700 900123'];

describe('logs: correlation, flow and node ids on record lines, never record data', () => {
  const lines: string[] = [];
  let t: TestSluice;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    // The first attempt of every third record is refused, so there are retries to log.
    const refused = new Set<number>();
    receiver = await startReceiver((_i, body) => {
      const { n } = body as { n: number };
      if (n % 3 !== 0 || refused.has(n)) return { status: 200 };
      refused.add(n);
      return { status: 503 };
    });
    t = await startTestSluice({ logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it('writes the ids and leaves the personal details out', async () => {
    const at = { x: 0, y: 0 };
    const graph: Graph = {
      name: 'people',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: at },
        { id: 'rules', type: 'validate.rules', config: { rules: [{ name: 'adult', expression: 'age >= 18', message: 'must be an adult' }] }, position: at },
        { id: 'http', type: 'sink.http', config: { url: receiver.url, retry: { strategy: 'fixed', maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 50 } }, position: at },
        { id: 'log', type: 'sink.log', config: {}, position: at },
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'rules' },
        { id: 'e2', source: 'rules', sourcePort: 'valid', target: 'http' },
        { id: 'e3', source: 'rules', sourcePort: 'valid', target: 'log' },
      ],
    };
    const flow = await deployFlow(t, graph);
    const people = Array.from({ length: 12 }, (_, n) => ({ n, name: `Jane Secretperson ${n}`, email: `jane.secret${n}@example.org`, ssn: '078-05-1120', phone: '+44 7700 900123', age: n % 4 === 0 ? 12 : 40 }));
    const res = await t.api('POST', `/api/flows/${flow.id}/ingest`, people, { 'x-correlation-id': 'corr-logs-1' });
    expect(res.status).toBe(202);
    // 3 minors are dead letters; 9 adults delivered, 3 of them after a retry (n = 3, 6, 9).
    await waitFor('every adult delivered', async () => (receiver.delivered().length === 9 ? true : undefined));

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const about = (msg: string) => parsed.filter((l) => l.msg === msg);
    const accepted = about('records accepted');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ flowId: flow.id, nodeId: 'in', records: 12, correlationIds: ['corr-logs-1'] });
    const dead = about('records dead-lettered');
    expect(dead.map((l) => l.nodeId)).toEqual(['rules']);
    expect(dead[0]).toMatchObject({ flowId: flow.id, records: 3, correlationIds: ['corr-logs-1'], errorKinds: { invalid: 3 } });
    const retried = about('records scheduled for retry');
    expect(retried.length).toBeGreaterThan(0);
    for (const line of retried) expect(line).toMatchObject({ flowId: flow.id, nodeId: 'http', correlationIds: ['corr-logs-1'] });
    expect(retried.reduce((a, l) => a + Number(l.records), 0)).toBe(3);
    const logged = about('record');
    expect(logged).toHaveLength(9);
    for (const line of logged) expect(line).toMatchObject({ flowId: flow.id, nodeId: 'log', correlationId: 'corr-logs-1' });
    expect(logged[0]).not.toHaveProperty('data');

    // Every line that speaks of records says which flow and node, and whose; none holds their data.
    for (const line of parsed.filter((l) => 'records' in l || l.msg === 'record')) {
      expect(line.flowId, JSON.stringify(line)).toBe(flow.id);
      expect(typeof line.nodeId).toBe('string');
      expect(line.correlationIds ?? [line.correlationId]).toEqual(['corr-logs-1']);
    }
    for (const raw of lines) for (const secret of PII) expect(raw).not.toContain(secret);
  });
});
