import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN_URL, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';
import { parseMetrics } from './prometheus.js';

describe('operators: readiness and Prometheus metrics', () => {
  let t: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is ready when the database, the migrations and a worker are, and says why not otherwise', async () => {
    const ready = await t.api<{ ready: boolean; checks: Record<string, string> }>('GET', '/api/ready', undefined, { authorization: '' });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, checks: { database: 'ok', migrations: 'ok', workers: 'ok' } });
    await t.sluice.worker!.stop();
    await t.pool.query('DELETE FROM worker_processes');
    const notReady = await t.api<{ ready: boolean; checks: Record<string, string> }>('GET', '/api/ready', undefined, { authorization: '' });
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.workers).toMatch(/no worker process/);
  });

  it('exposes cluster-wide figures with bounded labels, and only to callers who may read flows', async () => {
    const t2 = await startTestSluice();
    try {
      const flow = await deployFlow(t2, evenFlow('metrics'));
      await t2.api('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 100 }, (_, n) => ({ n })));
      const samples = await waitFor('the figures in /metrics', async () => {
        const res = await fetch(`${t2.url}/metrics`, { headers: { authorization: `Bearer ${t2.token}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/text\/plain/);
        const parsed = parseMetrics(await res.text());
        const out = parsed.find((s) => s.name === 'sluice_records_out_total' && s.labels.node === 'out');
        return out?.value === 50 ? parsed : undefined;
      });
      const value = (name: string, labels: Record<string, string>) =>
        samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
      expect(value('sluice_records_in_total', { flow: flow.id, node: 'in' })).toBe(100);
      expect(value('sluice_validation_failures_total', { flow: flow.id, node: 'even' })).toBe(50);
      expect(value('sluice_dead_letters_pending', { flow: flow.id })).toBe(50);
      expect(value('sluice_end_to_end_processing_time_ms_bucket', { flow: flow.id, le: '+Inf' })).toBe(50);
      expect(value('sluice_workers', {})).toBe(1);
      expect(samples.some((s) => s.name.startsWith('sluice_process_'))).toBe(true);
      // No label carries a record id or record data.
      for (const s of samples) for (const v of Object.values(s.labels)) expect(v).not.toMatch(/^0[0-9a-f]{7}-[0-9a-f]{4}-7/);
      expect((await fetch(`${t2.url}/metrics`)).status).toBe(401);
      expect((await t2.api('GET', '/api/metrics')).status).toBe(200);
    } finally {
      await t2.stop();
    }
  });

  it('answers 503 from /api/ready while Postgres is unreachable, and 200 again once it is back', async () => {
    const t3 = await startTestSluice();
    const name = new URL(t3.databaseUrl).pathname.slice(1);
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    type Ready = { ready: boolean; checks: Record<string, string> };
    try {
      expect((await t3.api<Ready>('GET', '/api/ready', undefined, { authorization: '' })).status).toBe(200);
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      const down = await waitFor('503 from /api/ready', async () => {
        const res = await t3.api<Ready>('GET', '/api/ready', undefined, { authorization: '' });
        return res.status === 503 ? res.body : undefined;
      });
      expect(down.ready).toBe(false);
      expect(down.checks.database).toMatch(/^unreachable/);
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      const up = await waitFor('200 from /api/ready', async () => {
        const res = await t3.api<Ready>('GET', '/api/ready', undefined, { authorization: '' });
        return res.status === 200 ? res.body : undefined;
      });
      expect(up.checks).toEqual({ database: 'ok', migrations: 'ok', workers: 'ok' });
    } finally {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
      await t3.stop();
    }
  });
});
