// /metrics is cluster-wide: a server process with no worker answers the scrape while a separate
// worker process (spawned with --role=worker) does the work; the seed's names, labels and buckets
// carry the exact counts of a flow whose outcomes are known in advance.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { startReceiver } from './fixtures.js';
import { parseMetrics } from './prometheus.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('metrics: a server scrapes what a separate worker process did', () => {
  let t: TestSluice;
  let worker: ChildProcess;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const workerOutput: string[] = [];

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    // Records with n % 4 === 0 are refused once (503), then accepted.
    const refused = new Set<number>();
    receiver = await startReceiver((_i, body) => {
      const n = (body as { n: number }).n;
      if (n % 4 === 0 && !refused.has(n)) {
        refused.add(n);
        return { status: 503 };
      }
      return { status: 200 };
    });
    worker = spawn(path.join(root, 'node_modules/.bin/tsx'), ['apps/server/src/main.ts', '--role=worker'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn', SLUICE_WORKER_CONCURRENCY: '4', SLUICE_EGRESS_ALLOW: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => workerOutput.push(d.toString()));
    worker.stderr!.on('data', (d: Buffer) => workerOutput.push(d.toString()));
    await waitFor('the worker process heartbeat', async () => {
      const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM worker_processes');
      return rows[0].n > 0 ? true : undefined;
    }, 60_000);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
    await t?.stop();
  });

  it('finds the seed names, labels and buckets with the right counts', async () => {
    expect(t.sluice.worker).toBeNull();
    const at = { x: 0, y: 0 };
    const graph: Graph = {
      name: 'cluster metrics',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: at },
        {
          id: 'check',
          type: 'validate.rules',
          config: { rules: [{ name: 'even', expression: 'n % 2 = 0', message: 'n must be even' }, { name: 'small', expression: 'n < 90', message: 'n must be under 90' }] },
          position: at,
        },
        { id: 'out', type: 'sink.http', config: { url: receiver.url, retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 } }, position: at },
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'check' },
        { id: 'e2', source: 'check', sourcePort: 'valid', target: 'out' },
      ],
    };
    const flow = await deployFlow(t, graph);
    const accepted = await t.api('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 100 }, (_, n) => ({ n })));
    expect(accepted.status).toBe(202);
    const refusedBody = await t.api('POST', `/api/flows/${flow.id}/ingest`, '{not json', { 'content-type': 'application/json' });
    expect(refusedBody.status).toBe(400);

    // Valid: even and under 90 = 45 records, delivered; 23 of them (n % 4 === 0) after one 503.
    const samples = await waitFor('the worker process’s counts in /metrics', async () => {
      const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.token}` } });
      const parsed = parseMetrics(await res.text());
      const delivered = parsed.find((s) => s.name === 'sluice_records_out_total' && s.labels.flow === flow.id && s.labels.node === 'out');
      const requests = parsed.filter((s) => s.name === 'sluice_ingest_requests_total').reduce((a, s) => a + s.value, 0);
      return delivered?.value === 45 && requests === 2 ? parsed : undefined;
    }, 90_000);
    const value = (name: string, labels: Record<string, string>) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };
    const f = flow.id;
    expect(value('sluice_records_in_total', { flow: f, node: 'in' })).toBe(100);
    expect(value('sluice_records_in_total', { flow: f, node: 'check' })).toBe(100);
    // Odd: 50 break "even"; 90..99: 10 break "small" (5 of them break both).
    expect(value('sluice_validation_failures_total', { flow: f, node: 'check', rule: 'even' })).toBe(50);
    expect(value('sluice_validation_failures_total', { flow: f, node: 'check', rule: 'small' })).toBe(10);
    expect(value('sluice_dead_lettered_total', { flow: f, node: 'check' })).toBe(55);
    expect(value('sluice_processing_errors_total', { flow: f, node: 'out', class: '5xx' })).toBe(23);
    expect(samples.filter((s) => s.name === 'sluice_processing_errors_total' && s.labels.flow === f && s.labels.class !== '5xx' && s.value > 0)).toEqual([]);
    expect(value('sluice_retries_total', { flow: f, node: 'out' })).toBe(23);
    expect(value('sluice_ingest_requests_total', { flow: f, status: '202' })).toBe(1);
    expect(value('sluice_ingest_requests_total', { flow: '', status: '400' })).toBe(1);
    // The seed's buckets, cumulative, ending with every delivered record.
    const buckets = ['100', '500', '1000', '5000', '10000', '+Inf'].map((le) => value('sluice_end_to_end_processing_time_ms_bucket', { flow: f, le }));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
    expect(buckets[buckets.length - 1]).toBe(45);
    expect(value('sluice_workers', {})).toBe(1);
    expect(samples.filter((s) => s.name === 'sluice_worker_heartbeat_age_seconds')).toHaveLength(1);
    expect(value('sluice_queue_backlog', { flow: f })).toBe(0);
    expect(value('sluice_dead_letters_pending', { flow: f })).toBe(55);
    expect(samples.some((s) => s.name === 'sluice_records_per_second' && s.labels.flow === f)).toBe(true);
    expect(receiver.delivered()).toHaveLength(45);
  });
});
