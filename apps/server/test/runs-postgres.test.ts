// Batch runs of source.postgres against the real Postgres: a 100,000-row table pulled in chunks of
// 5,000 into a Postgres sink, a source that drops rows (incomplete, missing keys named, then
// recovered), incremental runs on a watermark, overlap, the schedule ticker, and the notification.
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph, Run } from '@sluice/shared';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, testPool, deployFlow, quietLogger, startTestSluice, testPlanCache, waitFor, type TestSluice } from './harness.js';
import { dueTimes, tickRuns } from '../src/engine/runs/tick-runs.js';
import { ExternalPools } from '../src/engine/connections.js';
import { egressPolicy } from '../src/egress/guard.js';

function pullFlow(name: string, source: Record<string, unknown>, sinkUrl: string, table: string, chunkSize = 5000): Graph & { settings: Record<string, unknown> } {
  return {
    name,
    nodes: [
      { id: 'src', type: 'source.postgres', config: source, position: { x: 0, y: 0 } },
      {
        id: 'out',
        type: 'sink.postgres',
        config: { connectionString: sinkUrl, table, columns: [{ name: 'id', type: 'integer' }, { name: 'name' }], mode: 'insert' },
        position: { x: 300, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'src', sourcePort: 'out', target: 'out' }],
    settings: { chunkSize, parallelism: 4, maxBacklog: 200_000 },
  };
}

describe('source.postgres runs', () => {
  let t: TestSluice;
  let source: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: pg.Pool;

  beforeAll(async () => {
    t = await startTestSluice({ workerConcurrency: 6 });
    source = await createTestDatabase('sluice_src');
    db = testPool(source.url, 3);
    await db.query(`CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, hidden boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`INSERT INTO items (id, name) SELECT i, 'item ' || i FROM generate_series(1, 100000) AS i`);
  });
  afterAll(async () => {
    await t?.stop();
    await db?.end();
    await source?.drop();
  });

  const runOf = async (flowId: string, runId: string) => (await t.api<Run>('GET', `/api/flows/${flowId}/runs/${runId}`)).body;
  const finished = (flowId: string, runId: string, timeoutMs = 120_000) =>
    waitFor('the run to finish', async () => {
      const run = await runOf(flowId, runId);
      return run.status === 'running' ? undefined : run;
    }, timeoutMs, 250);

  it('pulls 100,000 rows in chunks of 5,000 into a Postgres sink, each row once, with counts that add up', async () => {
    const flow = await deployFlow(t, pullFlow('big pull', { connectionString: source.url, query: 'SELECT id, name FROM items', keyColumn: 'id' }, source.url, 'copy_big'));
    const started = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('running');
    const run = await finished(flow.id, started.body.id);
    expect(run).toMatchObject({ status: 'succeeded', expected: 100_000, fetched: 100_000, delivered: 100_000, deadLettered: 0, missing: 0, inFlight: 0, pages: 20, error: null });
    expect(run.finishedAt).not.toBeNull();
    expect(run.durationMs).toBeGreaterThan(0);
    const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, min(id) AS lo, max(id) AS hi FROM copy_big');
    expect(rows[0]).toEqual({ n: 100_000, ids: 100_000, lo: 1, hi: 100_000 });
    const list = await t.api<{ items: Run[]; sources: unknown[] }>('GET', `/api/flows/${flow.id}/runs`);
    expect(list.body.items.map((r) => r.id)).toEqual([run.id]);
    expect(list.body.sources).toEqual([{ nodeId: 'src', type: 'source.postgres', mode: 'pull', schedule: null, timezone: null, canRetryMissing: true }]);
  }, 180_000);

  it('marks a run whose source drops rows incomplete, names the missing keys, and fetches just those again', async () => {
    await db.query(`CREATE TABLE drops (id integer PRIMARY KEY, name text NOT NULL, hidden boolean NOT NULL DEFAULT false)`);
    await db.query(`INSERT INTO drops (id, name, hidden) SELECT i, 'drop ' || i, i % 97 = 0 FROM generate_series(1, 2000) AS i`);
    const hidden = (await db.query('SELECT id FROM drops WHERE hidden ORDER BY id')).rows.map((r) => r.id as number);
    const flow = await deployFlow(
      t,
      pullFlow('drops', { connectionString: source.url, query: 'SELECT id, name FROM drops WHERE NOT hidden', keyColumn: 'id', countQuery: 'SELECT count(*) FROM drops', keysQuery: 'SELECT id FROM drops ORDER BY id' }, source.url, 'copy_drops', 300),
    );
    const started = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    const run = await finished(flow.id, started.body.id);
    expect(run).toMatchObject({ status: 'incomplete', expected: 2000, fetched: 2000 - hidden.length, delivered: 2000 - hidden.length, deadLettered: 0, missing: hidden.length });
    expect(run.missingKeys).toEqual(hidden);
    expect(run.error).toMatch(/20 of 2000 records were not fetched/);

    // The rows come back; "retry missing" fetches just them, on the same run.
    await db.query('UPDATE drops SET hidden = false');
    const retried = await t.api<Run>('POST', `/api/flows/${flow.id}/runs/${run.id}/retry-missing`, {});
    expect(retried.status).toBe(200);
    const after = await finished(flow.id, run.id);
    expect(after).toMatchObject({ status: 'succeeded', expected: 2000, fetched: 2000, delivered: 2000, missing: 0, missingKeys: [] });
    const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM copy_drops');
    expect(rows[0]).toEqual({ n: 2000, ids: 2000 });
    // Both the start and the retry are in the audit log, by whom and for which run.
    const audit = await t.pool.query(`SELECT action, actor, resource_id, details FROM audit_log WHERE action IN ('run.start', 'run.retry_missing') AND details->>'runId' = $1 ORDER BY id`, [run.id]);
    expect(audit.rows).toEqual([
      { action: 'run.start', actor: 'admin@test.local (token "test harness")', resource_id: flow.id, details: { runId: run.id, nodeId: 'src', version: 1 } },
      { action: 'run.retry_missing', actor: 'admin@test.local (token "test harness")', resource_id: flow.id, details: { runId: run.id, nodeId: 'src', missing: hidden.length } },
    ]);
    // Only an incomplete run with missing keys can do that.
    expect((await t.api('POST', `/api/flows/${flow.id}/runs/${run.id}/retry-missing`, {})).status).toBe(409);
  });

  it('with retryMissing, fetches what a flaky source dropped before calling the run done', async () => {
    // The source drops each hidden row the first time it is read (and shows it from then on).
    await db.query(`CREATE TABLE flaky (id integer PRIMARY KEY, name text NOT NULL, hidden boolean NOT NULL DEFAULT false)`);
    await db.query(`INSERT INTO flaky (id, name, hidden) SELECT i, 'flaky ' || i, i % 50 = 7 FROM generate_series(1, 1000) AS i`);
    await db.query(`CREATE FUNCTION first_read_drops(row_id integer, was_hidden boolean) RETURNS boolean VOLATILE LANGUAGE plpgsql AS $$
      BEGIN
        IF was_hidden THEN UPDATE flaky SET hidden = false WHERE id = row_id; RETURN false; END IF;
        RETURN true;
      END $$`);
    const flow = await deployFlow(
      t,
      pullFlow('flaky', { connectionString: source.url, query: 'SELECT id, name FROM flaky WHERE first_read_drops(id, hidden)', keyColumn: 'id', countQuery: 'SELECT count(*) FROM flaky', keysQuery: 'SELECT id FROM flaky', retryMissing: true }, source.url, 'copy_flaky', 200),
    );
    const started = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    const run = await finished(flow.id, started.body.id);
    expect(run).toMatchObject({ status: 'succeeded', expected: 1000, fetched: 1000, delivered: 1000, missing: 0 });
    const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM copy_flaky');
    expect(rows[0]).toEqual({ n: 1000, ids: 1000 });
  });

  it('reads only rows above the watermark of the last successful run, and skips a run while one is going', async () => {
    await db.query(`CREATE TABLE changes (id integer PRIMARY KEY, name text NOT NULL, version bigint NOT NULL)`);
    await db.query(`INSERT INTO changes SELECT i, 'v1 ' || i, i FROM generate_series(1, 300) AS i`);
    const flow = await deployFlow(t, pullFlow('incremental', { connectionString: source.url, query: 'SELECT id, name, version FROM changes CROSS JOIN pg_sleep(0.2)', keyColumn: 'id', watermarkColumn: 'version' }, source.url, 'copy_changes', 100));
    const first = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    // The first run is still going: this source skips overlapping runs.
    const overlapping = await t.api<{ error: { message: string } }>('POST', `/api/flows/${flow.id}/runs`, {});
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.message).toMatch(/still going/);
    const one = await finished(flow.id, first.body.id);
    expect(one).toMatchObject({ status: 'succeeded', fetched: 300, watermarkFrom: null, watermarkTo: 300 });

    await db.query(`INSERT INTO changes SELECT i, 'v1 ' || i, i FROM generate_series(301, 350) AS i`);
    await db.query(`UPDATE changes SET name = 'v2', version = 400 WHERE id IN (5, 6)`);
    const second = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    const two = await finished(flow.id, second.body.id);
    expect(two).toMatchObject({ status: 'succeeded', expected: 52, fetched: 52, delivered: 52, watermarkFrom: 300, watermarkTo: 400 });
  });

  it('starts a scheduled run once per due time however many tickers run, and notifies a signed summary', async () => {
    const received: { body: string; headers: http.IncomingHttpHeaders }[] = [];
    const receiver = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      // The first attempt is refused: the notification is retried.
      req.on('end', () => {
        received.push({ body: Buffer.concat(parts).toString('utf8'), headers: req.headers });
        res.writeHead(received.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/runs`;
    const externals = new ExternalPools(egressPolicy(['127.0.0.1']));
    const tickPool = testPool(t.databaseUrl, 4);
    try {
      await db.query(`CREATE TABLE nightly (id integer PRIMARY KEY, name text NOT NULL)`);
      await db.query(`INSERT INTO nightly SELECT i, 'n ' || i FROM generate_series(1, 120) AS i`);
      const secret = 'a notification secret';
      const flow = await deployFlow(
        t,
        pullFlow('scheduled', { connectionString: source.url, query: 'SELECT id, name FROM nightly', keyColumn: 'id', schedule: '*/5 * * * *', timezone: 'Europe/Paris', notify: { url: receiverUrl, secret } }, source.url, 'copy_nightly', 50),
      );
      const due = new Date(Math.ceil(Date.now() / 300_000) * 300_000); // the next multiple of 5 minutes
      expect(dueTimes('*/5 * * * *', 'Europe/Paris', new Date(due.getTime() + 30_000)).map((d) => d.toISOString())).toEqual([due.toISOString()]);
      // The ticker as two worker processes would run it (their own pools and plan caches).
      const plans = testPlanCache(tickPool, externals);
      const deps = { pool: tickPool, plans, logger: quietLogger };
      // Two workers' tickers at the same minute: one run.
      const ticks = await Promise.all([tickRuns(deps, new Date(due.getTime() + 10_000)), tickRuns(deps, new Date(due.getTime() + 20_000))]);
      expect(ticks.map((r) => r.started).reduce((a, b) => a + b)).toBe(1);
      const list = await t.api<{ items: Run[] }>('GET', `/api/flows/${flow.id}/runs`);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({ trigger: 'schedule', scheduledFor: due.toISOString() });
      const run = await finished(flow.id, list.body.items[0]!.id);
      expect(run).toMatchObject({ status: 'succeeded', fetched: 120, delivered: 120 });

      // Refused once (503), then delivered on graphile-worker's retry.
      const note = await waitFor('the notification, retried', async () => received[1], 60_000);
      expect(JSON.parse(note.body)).toMatchObject({ event: 'run.succeeded', run: { id: run.id, fetched: 120, delivered: 120, status: 'succeeded' } });
      // The same signature as alert notifications: a timestamp, and an HMAC over it and the body.
      const signature = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(note.headers['x-sluice-signature']));
      expect(signature).not.toBeNull();
      expect(Math.abs(Date.now() / 1000 - Number(signature![1]))).toBeLessThan(300);
      expect(signature![2]).toBe(createHmac('sha256', secret).update(`${signature![1]}.${note.body}`).digest('hex'));
      expect(received[0]!.body).toBe(note.body);
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      await externals.closeAll();
      await tickPool.end();
    }
  });

  it('fails a run whose pages keep failing, and times out a run that takes too long, saying why', async () => {
    const told: string[] = [];
    const receiver = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => (told.push(Buffer.concat(parts).toString('utf8')), res.writeHead(204).end()));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const notify = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, on: 'failure' };
    try {
      const broken = await deployFlow(t, pullFlow('broken', { connectionString: source.url, query: 'SELECT id, name FROM no_such_table', keyColumn: 'id', pageRetries: 0, notify }, source.url, 'copy_broken'));
      const failed = await finished(broken.id, (await t.api<Run>('POST', `/api/flows/${broken.id}/runs`, {})).body.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/no_such_table/);
      expect(failed.finishedAt).not.toBeNull();
      // A source that wants to hear of failures only is told of this one (unsigned: no secret).
      const note = JSON.parse(await waitFor('the failure notification', async () => told[0])) as { event: string; run: Run };
      expect(note).toMatchObject({ event: 'run.failed', run: { id: failed.id, status: 'failed' } });
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }

    const slow = await deployFlow(t, pullFlow('slow', { connectionString: source.url, query: 'SELECT id, name FROM items CROSS JOIN pg_sleep(0.6)', keyColumn: 'id', timeoutSeconds: 1 }, source.url, 'copy_slow', 100));
    const timedOut = await finished(slow.id, (await t.api<Run>('POST', `/api/flows/${slow.id}/runs`, {})).body.id);
    expect(timedOut.status).toBe('timed_out');
    expect(timedOut.error).toMatch(/within 1 s/);
    expect(timedOut.fetched).toBeLessThan(100_000);
  });

  it('resumes a run whose job died after committing some pages from its cursor, taking no page twice', async () => {
    await db.query(`CREATE TABLE resumed (id integer PRIMARY KEY, name text NOT NULL)`);
    await db.query(`INSERT INTO resumed SELECT i, 'r ' || i FROM generate_series(1, 1000) AS i`);
    const flow = await deployFlow(t, pullFlow('resume', { connectionString: source.url, query: 'SELECT id, name FROM resumed', keyColumn: 'id' }, source.url, 'copy_resumed', 100));
    // What a run job leaves when its process dies after its third page: the pages, counts and
    // cursor committed (their records went on and were delivered), the job to be run again.
    const runId = '0190a0a0-0000-7000-8000-0000000000aa';
    await t.pool.query(
      `INSERT INTO runs (id, flow_id, node_id, version, trigger, deadline_at, expected, fetched, delivered, pages, cursor)
       VALUES ($1, $2, 'src', $3, 'manual', now() + interval '1 hour', 1000, 300, 300, 3, '300'::jsonb)`,
      [runId, flow.id, flow.version],
    );
    await t.pool.query(`INSERT INTO run_pages (run_id, page_no, record_count, keys) SELECT $1, p, 100, NULL FROM generate_series(1, 3) AS p`, [runId]);
    await t.pool.query(`SELECT graphile_worker.add_job('run_pull', json_build_object('runId', $1::text), job_key := 'run_pull:' || $1)`, [runId]);
    const run = await finished(flow.id, runId);
    expect(run).toMatchObject({ status: 'succeeded', expected: 1000, fetched: 1000, delivered: 1000, pages: 10, missing: 0 });
    const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, min(id) AS lo FROM copy_resumed');
    expect(rows[0]).toEqual({ n: 700, ids: 700, lo: 301 });
  });

  it('fails a run whose job is gone, on the next tick', async () => {
    const flow = await deployFlow(t, pullFlow('orphan', { connectionString: source.url, query: 'SELECT id, name FROM items', keyColumn: 'id' }, source.url, 'copy_orphan'));
    const runId = '0190a0a0-0000-7000-8000-0000000000bb';
    await t.pool.query(
      `INSERT INTO runs (id, flow_id, node_id, version, trigger, started_at, deadline_at) VALUES ($1, $2, 'src', $3, 'manual', now() - interval '5 minutes', now() + interval '1 hour')`,
      [runId, flow.id, flow.version],
    );
    const tickPool = testPool(t.databaseUrl, 2);
    const externals = new ExternalPools(egressPolicy(['127.0.0.1']));
    try {
      await tickRuns({ pool: tickPool, plans: testPlanCache(tickPool, externals), logger: quietLogger });
    } finally {
      await externals.closeAll();
      await tickPool.end();
    }
    expect(await runOf(flow.id, runId)).toMatchObject({ status: 'failed', error: 'the run job stopped without finishing the run' });
  });

  it('refuses a bad cron expression or time zone with the field at fault, and answers 404 for an unknown run', async () => {
    const bad = await t.api<{ error: { details: { errors: { nodeId: string; path: string }[] } } }>(
      'POST',
      '/api/flows',
      pullFlow('bad cron', { connectionString: source.url, query: 'SELECT 1 AS id', keyColumn: 'id', schedule: '61 * * * *' }, source.url, 'nothing'),
    );
    const created = bad.status === 201 ? await t.api<{ error: { details: { errors: { nodeId: string; path: string }[] } } }>('POST', `/api/flows/${(bad.body as unknown as { id: string }).id}/deploy`) : bad;
    expect(created.status).toBe(422);
    expect(created.body.error.details.errors[0]).toMatchObject({ nodeId: 'src', path: 'config.schedule' });
    const flow = await deployFlow(t, pullFlow('unknown run', { connectionString: source.url, query: 'SELECT 1 AS id', keyColumn: 'id' }, source.url, 'nothing2'));
    expect((await t.api('GET', `/api/flows/${flow.id}/runs/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await t.api('GET', `/api/flows/${flow.id}/runs/not-a-uuid`)).status).toBe(404);
  });
});
