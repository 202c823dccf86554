// bench:drain — the worker alone: scenario A's orders are ingested with no worker running, then the
// worker (or --workers N of them) is started and the backlog timed as it drains. Prints records/s and the CPU seconds per
// 10,000 records of the worker process and of the Postgres backends of the bench database (CPU per
// record moves far less than wall time when other work shares the machine). Nothing is recorded:
// paste the figures into RESULTS.md by hand.
//   npm run bench:drain -w bench -- [--runs 3] [--records 100000] (every option: USAGE below, bench/README.md)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { makeOrders } from '../../apps/server/test/fixtures.js';
import { wholeNumberFlags } from './flags.js';
import { cpuSeconds, describeMachine, median } from './measure.js';
import { Cleanup, cleanUpOnSignals } from './cleanup.js';
import { formatSummary, summarise } from './profile-summary.js';
import type { Graph } from '@sluice/shared';
import { benchFlow } from './scenarios.js';
import { createDatabase, startServer, startWorker, until } from './sluice.js';

const USAGE = `usage: npm run bench:drain -w bench -- [options]
  --runs N      runs, each on a fresh database (default 3)
  --records N   orders ingested before the worker starts, in batches of 1,000 (default 100000, the flow's max backlog)
  --worker-concurrency N   SLUICE_WORKER_CONCURRENCY for the worker (default: Sluice's own, 8)
  --batch N        orders per ingest request (default 1000); requests go one at a time, so each
                   commits alone and a batch smaller than the chunk size makes a chunk that small
  --chunk-size N   the flow's chunkSize (default: Sluice's own, 500); small chunks show a chunk's fixed cost
  --parallelism N  the flow's parallelism (lanes; default: Sluice's own, 4)
  --workers N      worker processes draining together (default 1)
  --flow NAME      orders (default: the bench's orders flow, whose cost is mostly Postgres's) or
                   enrich (the same with eight more JSONata mappings per order: the worker's CPU is
                   the limit and Postgres has room, which shows how workers scale)
  --profile        CPU profiles of the worker(s) into bench/profiles/drain-<stamp>/ (slows them down)`;

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

interface DrainOptions {
  records: number;
  batch: number;
  workerConcurrency: number | undefined;
  chunkSize: number | undefined;
  parallelism: number | undefined;
  workers: number;
  flow: 'orders' | 'enrich';
  profileDir: string | undefined;
}

/**
 * The orders flow with a map that also derives eight fields per order by JSONata (string building,
 * sorting, filtering, number formatting): work for the worker's CPU that Postgres never sees, as an
 * enrichment step would be.
 */
function enrichFlow(databaseUrl: string, table: string): Graph {
  const graph = benchFlow(databaseUrl, table);
  const enrichments = [
    { target: 'skus', expression: "$join($sort(items.sku), ',')" },
    { target: 'lines', expression: "$join(items.(sku & ' x' & $string(qty) & ' @ ' & $formatNumber(price, '#0.00')), '; ')" },
    { target: 'subtotal', expression: '$round($sum(items.(price * qty)), 2)' },
    { target: 'domain', expression: "$substringAfter($lowercase(customer_email), '@')" },
    { target: 'big_lines', expression: '$count(items[price * qty > 10])' },
    { target: 'prefix', expression: '$uppercase($substring(id, 0, 3))' },
    { target: 'qty', expression: '$sum(items.qty)' },
    { target: 'tags', expression: "$distinct(items.($substringBefore(sku, '-')))" },
  ];
  return {
    ...graph,
    name: `bench enrich ${table}`,
    nodes: graph.nodes.map((n) =>
      n.id === 'map' ? { ...n, config: { ...n.config, mappings: [...(n.config.mappings as unknown[]), ...enrichments] } } : n,
    ),
  };
}

/** One run; everything it starts is undone by `cleanup` (newest first), also on Ctrl-C. */
async function oneRun({ records, batch, workerConcurrency, chunkSize, parallelism, workers: workerCount, flow: flowName, profileDir }: DrainOptions, cleanup: Cleanup): Promise<Drain> {
  const db = await createDatabase();
  cleanup.add(`drop database ${db.name}`, () => db.drop());
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  cleanup.add('close the bench pool', () => pool.end());
  const { process: server, client } = await startServer(db.url);
  cleanup.add('stop the server', async () => {
    client.close();
    await server.stop();
  });
  const graph = flowName === 'enrich' ? enrichFlow(db.url, 'orders_drain') : benchFlow(db.url, 'orders_drain');
  const flow = { ...graph, settings: { ...(chunkSize === undefined ? {} : { chunkSize }), ...(parallelism === undefined ? {} : { parallelism }) } };
  const created = (await client.json('POST', '/api/flows', flow, 201)) as { id: string };
  await client.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
  const orders = makeOrders(records, 'd');
  for (let i = 0; i < orders.length; i += batch) {
    const answer = await client.request('POST', `/api/flows/${created.id}/ingest`, JSON.stringify(orders.slice(i, i + batch)));
    if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  const queued = async () => Number((await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks')).rows[0]?.n);
  const total = await queued();

  // Each worker's CPU counts from when it has registered (module loading excluded): the first may
  // be draining before the others have.
  const startOne = async () => {
    const worker = await startWorker(db.url, pool, workerConcurrency, profileDir);
    cleanup.add('stop a worker', () => worker.stop());
    return { worker, cpu0: cpuSeconds(worker.pid) ?? 0 };
  };
  const started = Promise.all(Array.from({ length: workerCount }, startOne));
  started.catch(() => {});
  // The clock starts when the first chunk is gone (process start-up and module loading excluded).
  let startRecords = 0;
  await until('the worker to take its first chunk', async () => (startRecords = await queued()) < total, 120_000, 10);
  const t0 = performance.now();
  const pgCpu0 = await backendCpu(pool, db.name);
  const workers = await started;
  await until('the backlog to drain', async () => (await queued()) === 0, 600_000, 20, Promise.race(workers.map((w) => w.worker.died)));
  const seconds = (performance.now() - t0) / 1000;
  const workerCpu = workers.reduce((sum, w) => sum + (cpuSeconds(w.worker.pid) ?? 0) - w.cpu0, 0);
  let pgCpu = 0;
  for (const [pid, now] of await backendCpu(pool, db.name)) pgCpu += now - (pgCpu0.get(pid) ?? 0);
  return { recordsPerSecond: startRecords / seconds, workerCpuPer10k: (workerCpu / startRecords) * 10_000, postgresCpuPer10k: (pgCpu / startRecords) * 10_000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, records: { type: 'string' }, 'worker-concurrency': { type: 'string' }, 'chunk-size': { type: 'string' }, parallelism: { type: 'string' }, workers: { type: 'string' }, batch: { type: 'string' }, flow: { type: 'string' }, profile: { type: 'boolean' } } });
  const int = wholeNumberFlags(USAGE);
  const runs = int('runs', values.runs ?? '3', 1, 20);
  const records = int('records', values.records ?? '100000', 1000, 100_000);
  const concurrency = values['worker-concurrency'] === undefined ? undefined : int('worker-concurrency', values['worker-concurrency'], 1, 100);
  const chunkSize = values['chunk-size'] === undefined ? undefined : int('chunk-size', values['chunk-size'], 1, 5000);
  const workers = int('workers', values.workers ?? '1', 1, 8);
  const batch = int('batch', values.batch ?? '1000', 1, 5000);
  const parallelism = values.parallelism === undefined ? undefined : int('parallelism', values.parallelism, 1, 64);
  const flow = values.flow ?? 'orders';
  if (flow !== 'orders' && flow !== 'enrich') {
    console.error(`--flow: "${flow}" is not a flow of this bench (orders or enrich)\n${USAGE}`);
    process.exit(2);
  }
  const profileRoot = values.profile ? path.resolve(import.meta.dirname, '..', 'profiles', `drain-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  console.log(`bench:drain: ${records} orders in batches of ${batch}, flow ${flow}, ${workers} worker(s), chunk size ${chunkSize ?? 'default'}, parallelism ${parallelism ?? 'default'}, ${runs} run(s), load average ${describeMachine().loadAverage.toFixed(2)}`);
  const cleanup = new Cleanup();
  const signals = cleanUpOnSignals(cleanup);
  const results: Drain[] = [];
  for (let i = 1; i <= runs; i++) {
    const profileDir = profileRoot && path.join(profileRoot, `run${i}`);
    let r: Drain;
    try {
      r = await oneRun({ records, batch, workerConcurrency: concurrency, chunkSize, parallelism, workers, flow, profileDir }, cleanup);
    } catch (err) {
      if (signals.interrupted()) return; // the signal handler is undoing the run and exits when done
      throw err;
    } finally {
      if (!signals.interrupted()) await cleanup.runAll();
    }
    if (profileDir) {
      for (const file of fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
        console.log(formatSummary(`worker ${file}, run ${i}`, summarise(path.join(profileDir, file))));
      }
    }
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
