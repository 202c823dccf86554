// bench:drain — the worker alone: scenario A's orders are ingested with no worker running, then one
// worker is started and the backlog timed as it drains. Prints records/s and the CPU seconds per
// 10,000 records of the worker process and of the Postgres backends of the bench database (CPU per
// record moves far less than wall time when other work shares the machine). Nothing is recorded:
// paste the figures into RESULTS.md by hand.
//   npm run bench:drain -w bench -- [--runs 3] [--records 100000]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { makeOrders } from '../../apps/server/test/fixtures.js';
import { wholeNumberFlags } from './flags.js';
import { cpuSeconds, describeMachine, median } from './measure.js';
import { benchFlow } from './scenarios.js';
import { createDatabase, startServer, startWorker, until } from './sluice.js';

const USAGE = `usage: npm run bench:drain -w bench -- [options]
  --runs N      runs, each on a fresh database (default 3)
  --records N   orders ingested before the worker starts, in batches of 1,000 (default 100000, the flow's max backlog)
  --worker-concurrency N   SLUICE_WORKER_CONCURRENCY for the worker (default: Sluice's own, 8)`;

interface Drain {
  recordsPerSecond: number;
  workerCpuPer10k: number;
  postgresCpuPer10k: number;
}

/** CPU seconds so far of the Postgres backends connected to `database` (a backend that is gone counts 0). */
async function backendCpu(pool: pg.Pool, database: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid) ?? 0]));
}

async function oneRun(records: number, workerConcurrency: number | undefined): Promise<Drain> {
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  const { process: server, client } = await startServer(db.url);
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const created = (await client.json('POST', '/api/flows', benchFlow(db.url, 'orders_drain'), 201)) as { id: string };
    await client.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
    const orders = makeOrders(records, 'd');
    for (let i = 0; i < orders.length; i += 1000) {
      const answer = await client.request('POST', `/api/flows/${created.id}/ingest`, JSON.stringify(orders.slice(i, i + 1000)));
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
    const queued = async () => Number((await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks')).rows[0]?.n);
    const total = await queued();

    const started = startWorker(db.url, pool, workerConcurrency);
    started.catch(() => {});
    // The clock starts when the first chunk is gone (process start-up and module loading excluded).
    let startRecords = 0;
    let t0 = 0;
    let workerCpu0 = 0;
    let pgCpu0 = new Map<number, number>();
    await until('the worker to take its first chunk', async () => (startRecords = await queued()) < total, 120_000, 10);
    t0 = performance.now();
    worker = await started;
    workerCpu0 = cpuSeconds(worker.pid) ?? 0;
    pgCpu0 = await backendCpu(pool, db.name);
    await until('the backlog to drain', async () => (await queued()) === 0, 600_000, 20, worker.died);
    const seconds = (performance.now() - t0) / 1000;
    const workerCpu = (cpuSeconds(worker.pid) ?? 0) - workerCpu0;
    let pgCpu = 0;
    for (const [pid, now] of await backendCpu(pool, db.name)) pgCpu += now - (pgCpu0.get(pid) ?? 0);
    return { recordsPerSecond: startRecords / seconds, workerCpuPer10k: (workerCpu / startRecords) * 10_000, postgresCpuPer10k: (pgCpu / startRecords) * 10_000 };
  } finally {
    client.close();
    await Promise.all([server.stop(), worker?.stop()]);
    await pool.end();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, records: { type: 'string' }, 'worker-concurrency': { type: 'string' } } });
  const int = wholeNumberFlags(USAGE);
  const runs = int('runs', values.runs ?? '3', 1, 20);
  const records = int('records', values.records ?? '100000', 1000, 100_000);
  const concurrency = values['worker-concurrency'] === undefined ? undefined : int('worker-concurrency', values['worker-concurrency'], 1, 100);
  console.log(`bench:drain: ${records} orders, ${runs} run(s), load average ${describeMachine().loadAverage.toFixed(2)}`);
  const results: Drain[] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await oneRun(records, concurrency);
    results.push(r);
    console.log(`run ${i}: ${Math.round(r.recordsPerSecond).toLocaleString('en-US')} records/s, worker ${r.workerCpuPer10k.toFixed(3)} CPU s and Postgres ${r.postgresCpuPer10k.toFixed(3)} CPU s per 10k records (load ${describeMachine().loadAverage.toFixed(2)})`);
  }
  console.log(
    `median: ${Math.round(median(results.map((r) => r.recordsPerSecond))).toLocaleString('en-US')} records/s, ` +
      `worker ${median(results.map((r) => r.workerCpuPer10k)).toFixed(3)} and Postgres ${median(results.map((r) => r.postgresCpuPer10k)).toFixed(3)} CPU s per 10k records`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
