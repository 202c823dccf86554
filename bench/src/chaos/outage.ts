// Chaos scenario 2: the database goes away in the middle of a run and comes back. Restarting the
// shared Postgres would disturb everyone else on it, so the outage is per database: it stops
// accepting connections and every session on it is terminated, for `outageMs`, then it is allowed
// again. Ingest must answer 503 (not 500, not a hang) meanwhile; the server and the worker must
// reconnect by themselves; and the run must finish with nothing lost.
import pg from 'pg';
import { percentile } from '../measure.js';
import { ADMIN_URL, startWorker } from '../sluice.js';
import {
  account,
  Accepted,
  backlog,
  countStatuses,
  deployFlow,
  finished,
  ingestAll,
  ingestUntilAccepted,
  orderBatches,
  sleep,
  waitUntil,
  exitReason,
  type Accounting,
  type Call,
  type ChaosTarget,
} from './target.js';

export interface OutageOptions {
  /** Orders sent steadily, one request at a time, before, during and after the outage. */
  records: number;
  batchSize: number;
  /** Pause between the steady requests, ms. */
  paceMs: number;
  /** Orders sent as a burst just before the cut, so that the worker is busy when it comes. */
  burst: number;
  /** The outage starts this long after the first ingest request. */
  outageAfterMs: number;
  outageMs: number;
  /** While refused, the client asks again after this long (ms) rather than the Retry-After. */
  probeEveryMs: number;
  drainTimeoutMs: number;
}

export interface OutageResult {
  options: OutageOptions;
  /** Records waiting, and chunk jobs locked by the worker, at the cut. */
  atCut: { queued: number; jobsLocked: number };
  /** Answers while the database was away (from the moment it was cut off until it was allowed again). */
  during: { statuses: Record<string, number>; maxMs: number; p50Ms: number };
  /** Answers outside the outage other than 202. */
  outsideOther: Record<string, number>;
  /** ms from allowing connections again to the first 202. */
  ingestBackMs: number | null;
  /** ms from allowing connections again to the first record finishing (the worker reconnected). */
  workerBackMs: number | null;
  drainSeconds: number | null;
  /** Set when the worker died and the bench started a new one: how long that one took to drain. */
  restart: { drainedSeconds: number | null } | null;
  accounting: Accounting;
  unexpectedExits: string[];
  /** Error lines from the server and the worker, for the report. */
  notes: string[];
}

async function admin(sql: string, values: unknown[] = []): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql, values);
  } finally {
    await c.end();
  }
}

export async function databaseOutage(target: ChaosTarget, options: OutageOptions, log: (line: string) => void): Promise<OutageResult> {
  const table = 'chaos_outage_orders';
  const flowId = await deployFlow(target, table);
  const steady = orderBatches(options.records, options.batchSize, 'steady');
  const burst = orderBatches(options.burst, 1000, 'burst');
  const accepted = new Accepted();
  const unexpectedExits: string[] = [];
  target.server.died.catch((err: Error) => unexpectedExits.push(`server: ${exitReason(err)}`));
  target.worker.died.catch((err: Error) => unexpectedExits.push(`worker: ${exitReason(err)}`));
  const calls: Call[] = [];
  const start = Date.now();
  const seconds = (at: number) => ((at - start) / 1000).toFixed(1);

  let ingestEnd = 0;
  const ingest = (async () => {
    for (const batch of steady) {
      await ingestUntilAccepted(target, flowId, batch, accepted, calls, options.probeEveryMs);
      await sleep(options.paceMs);
    }
    ingestEnd = Date.now();
  })();

  await sleep(options.outageAfterMs);
  await ingestAll(target, flowId, burst, 4, accepted, calls, options.probeEveryMs);
  const name = target.db.name;
  const before = (await finished(target.pool, flowId, table)) ?? 0;
  const atCut = {
    queued: (await backlog(target.pool, flowId)) ?? -1,
    jobsLocked: Number((await target.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL')).rows[0]?.n ?? 0),
  };
  await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  const cutAt = Date.now();
  log(`  database ${name} cut off at ${seconds(cutAt)} s: ${accepted.count} accepted, ${before} finished, ${atCut.queued} queued, ${atCut.jobsLocked} chunk jobs running`);
  await sleep(options.outageMs);
  await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  const backAt = Date.now();
  log(`  database allowed again at ${seconds(backAt)} s`);

  const finishedAtBack = (await finished(target.pool, flowId, table)) ?? before;
  let workerBackMs: number | null = null;
  const workerBack = waitUntil(async () => ((await finished(target.pool, flowId, table)) ?? 0) > finishedAtBack, 120_000, 100, () => unexpectedExits.length > 0).then((ok) => {
    if (ok) workerBackMs = Date.now() - backAt;
  });
  await ingest;
  log(`  ingest done at ${seconds(ingestEnd)} s: ${accepted.count} records accepted; waiting for the backlog to drain…`);
  const drained = await waitUntil(async () => (await backlog(target.pool, flowId)) === 0, options.drainTimeoutMs, 250, () => unexpectedExits.length > 0);
  const drainSeconds = drained ? (Date.now() - ingestEnd) / 1000 : null;
  if (!drained) {
    const { rows } = await target.pool.query('SELECT count(*)::int AS jobs, count(*) FILTER (WHERE locked_by IS NOT NULL)::int AS locked, max(attempts)::int AS attempts FROM graphile_worker.jobs');
    log(`  not drained${unexpectedExits.length > 0 ? ` (${unexpectedExits.join('; ')})` : ''}: jobs ${JSON.stringify(rows[0])}`);
  }
  await workerBack;
  // A worker that died cannot reconnect: that is the finding. Start another to see whether what it
  // left behind is intact (durable and processed once), as an operator's restart would.
  let restart: OutageResult['restart'] = null;
  if (!drained && unexpectedExits.some((e) => e.startsWith('worker'))) {
    const at = Date.now();
    target.worker = await startWorker(target.db.url, target.pool, target.workerConcurrency);
    const ok = await waitUntil(async () => (await backlog(target.pool, flowId)) === 0, options.drainTimeoutMs, 250);
    restart = { drainedSeconds: ok ? (Date.now() - at) / 1000 : null };
    log(`  the bench started a new worker: ${ok ? `the backlog drained in ${restart.drainedSeconds} s` : 'the backlog still did not drain'}`);
  }

  const inOutage = calls.filter((c) => c.at >= cutAt && c.at < backAt);
  const outside = calls.filter((c) => (c.at < cutAt || c.at >= backAt) && c.status !== '202');
  const firstBack = calls.filter((c) => c.at >= backAt && c.status === '202').sort((a, b) => a.at + a.ms - (b.at + b.ms))[0];
  const notes = [target.server.output(), target.worker.output()]
    .flatMap((o) => o.split('\n'))
    .filter((l) => /"level":(50|60)/.test(l))
    .map((l) => l.slice(0, 300))
    .slice(-6);
  return {
    options,
    atCut,
    during: { statuses: countStatuses(inOutage), maxMs: Math.max(0, ...inOutage.map((c) => c.ms)), p50Ms: percentile(inOutage.map((c) => c.ms), 0.5) },
    outsideOther: countStatuses(outside),
    ingestBackMs: firstBack ? firstBack.at + firstBack.ms - backAt : null,
    workerBackMs,
    drainSeconds,
    restart,
    accounting: await account(target.pool, flowId, table, accepted),
    unexpectedExits,
    notes,
  };
}
