// `npm run bench:steady -w bench [-- --only latency|soak|scale --runs N]`: the targets of issue #4
// that a burst cannot show.
//   latency: orders posted one per request at a steady 1,000 records/s for --seconds; each valid
//            order's ingest-to-sink time = the row's insert time in the sink table (clock_timestamp()
//            default, same machine) − when the bench sent it. Target p99 < 100 ms.
//   soak:    --soak-records (default 1,000,000) orders in batches of 1,000 at a paced rate the worker
//            keeps up with; worker RSS sampled every 250 ms. Target < 300 MB, no growth after 100k.
//   scale:   scenario A (--scale-records orders, batches of 1,000, 4 in flight) with one worker,
//            then with two, each on a fresh database. Target two ≥ 1.7× one.
// Results are printed and appended to bench/RESULTS.md (machine, date, versions, medians).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { makeOrders } from '../../apps/server/test/fixtures.js';
import { wholeNumberFlags } from './flags.js';
import { describeMachine, median, percentile, RssSampler } from './measure.js';
import { batchedIngest, benchFlow } from './scenarios.js';
import { createDatabase, postgresVersion, REPO_ROOT, startServer, startWorker, until, type Client, type SluiceProcess } from './sluice.js';

const USAGE = `usage: npm run bench:steady -w bench -- [options]
  --only latency|soak|scale  one scenario (default all three)
  --runs N                   runs of each scenario (default 3; soak runs once)
  --seconds N                latency: load duration (default 20)
  --rate N                   latency: records per second (default 1000)
  --soak-records N           soak: orders (default 1000000)
  --scale-records N          scale: orders per run (default 100000)
  --no-record                do not append to bench/RESULTS.md`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1000' },
    'soak-records': { type: 'string', default: '1000000' },
    'scale-records': { type: 'string', default: '100000' },
    record: { type: 'boolean', default: true },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = values.only;
if (only !== undefined && !['latency', 'soak', 'scale'].includes(only)) {
  console.error(USAGE);
  process.exit(2);
}
const int = wholeNumberFlags(USAGE);
const runs = int('runs', values.runs, 1, 20);
const seconds = int('seconds', values.seconds, 1, 600);
const rate = int('rate', values.rate, 1, 20_000);
const soakRecords = int('soak-records', values['soak-records'], 1000, 10_000_000);
const scaleRecords = int('scale-records', values['scale-records'], 1000, 5_000_000);

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** One Sluice (a server and `workers` workers) on a fresh database, torn down by `stop`. */
interface Stack {
  databaseUrl: string;
  pool: pg.Pool;
  server: SluiceProcess;
  client: Client;
  workers: SluiceProcess[];
  stop(): Promise<void>;
}

async function startStack(workers: number): Promise<Stack> {
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  const { process: server, client } = await startServer(db.url);
  const started: SluiceProcess[] = [];
  for (let i = 0; i < workers; i++) started.push(await startWorker(db.url, pool));
  return {
    databaseUrl: db.url,
    pool,
    server,
    client,
    workers: started,
    async stop() {
      client.close();
      await Promise.all([server.stop(), ...started.map((w) => w.stop())]);
      await pool.end();
      await db.drop();
    },
  };
}

/** Deploys the bench flow into a sink table that stamps each row's insert time. */
async function deployStamped(stack: Stack, table: string): Promise<string> {
  await stack.pool.query(
    `CREATE TABLE "${table}" (sluice_id uuid PRIMARY KEY, order_id text, email text, total numeric, item_count integer, inserted_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const created = (await stack.client.json('POST', '/api/flows', benchFlow(stack.databaseUrl, table), 201)) as { id: string };
  await stack.client.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
  return created.id;
}

async function backlog(pool: pg.Pool, flowId: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks WHERE flow_id = $1', [flowId]);
  return Number(rows[0]?.n ?? 0);
}

// ---- latency at a steady rate ----

interface LatencyResult {
  sent: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  answerP99: number;
}

async function steadyLatency(): Promise<LatencyResult> {
  const stack = await startStack(1);
  try {
    const table = 'orders_steady';
    const flowId = await deployStamped(stack, table);
    const total = rate * seconds;
    const orders = makeOrders(total, 's');
    const sentAt = new Map<string, number>();
    const answers: number[] = [];
    const ingest = `/api/flows/${flowId}/ingest`;
    const start = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      // Paced by the clock, not by answers: order i leaves at start + i / rate seconds.
      const due = start + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const order = orders[i]!;
      const t0 = Date.now();
      sentAt.set(order.id, t0);
      inFlight.push(
        stack.client.request('POST', ingest, JSON.stringify(order)).then((answer) => {
          if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 200)}`);
          answers.push(Date.now() - t0);
        }),
      );
    }
    await Promise.all(inFlight);
    const achieved = total / ((Date.now() - start) / 1000);
    await until('the backlog to drain', async () => (await backlog(stack.pool, flowId)) === 0, 120_000, 100);
    const { rows } = await stack.pool.query<{ order_id: string; at: string }>(`SELECT order_id, (extract(epoch FROM inserted_at) * 1000)::float8 AS at FROM "${table}"`);
    const latencies = rows.map((r) => Number(r.at) - sentAt.get(r.order_id)!);
    if (latencies.some((l) => !Number.isFinite(l))) throw new Error('a sink row does not match a sent order');
    return { sent: total, rate: achieved, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: Math.max(...latencies), answerP99: percentile(answers, 0.99) };
  } finally {
    await stack.stop();
  }
}

// ---- soak: memory over a million records ----

interface SoakResult {
  records: number;
  seconds: number;
  rssAt100k: number;
  rssPeakAfter100k: number;
  rssEnd: number;
  rssPeak: number;
  rssEvery100k: number[];
}

async function soak(): Promise<SoakResult> {
  const stack = await startStack(1);
  try {
    const flowId = await deployStamped(stack, 'orders_soak');
    const rss = new RssSampler(stack.workers[0]!.pid);
    const batch = 1000;
    const ingest = `/api/flows/${flowId}/ingest`;
    const start = performance.now();
    let sent = 0;
    let rssAt100k = 0;
    let mark100k = 0;
    // The worker's RSS each time another 100,000 records were sent: a leak climbs, a heap settling in levels off.
    const rssEvery100k: number[] = [];
    // Keep the backlog under 20,000 records so that memory, not queueing, is what is measured.
    while (sent < soakRecords) {
      const waiting = await backlog(stack.pool, flowId);
      if (mark100k === 0 && sent - waiting >= 100_000) {
        rssAt100k = rss.peak();
        mark100k = performance.now();
      }
      if (waiting > 20_000) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const bodies = Array.from({ length: 4 }, (_, k) => sent + k * batch)
        .filter((from) => from < soakRecords)
        .map((from) => JSON.stringify(makeOrders(Math.min(batch, soakRecords - from), `k${from}-`)));
      const answers = await Promise.all(bodies.map((body) => stack.client.request('POST', ingest, body)));
      for (const a of answers) if (a.status !== 202) throw new Error(`ingest answered ${a.status}: ${a.body.slice(0, 200)}`);
      sent += bodies.length * batch;
      if (Math.floor(sent / 100_000) !== Math.floor((sent - bodies.length * batch) / 100_000)) {
        rssEvery100k.push(rss.last());
        process.stdout.write(`${fmt(sent)} (${mib(rss.last())}) `);
      }
    }
    await until('the backlog to drain', async () => (await backlog(stack.pool, flowId)) === 0, 300_000, 200);
    const took = (performance.now() - start) / 1000;
    const result = { records: sent, seconds: took, rssAt100k, rssPeakAfter100k: rss.peak(mark100k), rssEnd: rss.last(), rssPeak: rss.peak(), rssEvery100k };
    rss.stop();
    const rows = Number((await stack.pool.query<{ n: string }>('SELECT count(*) AS n FROM orders_soak')).rows[0]!.n);
    const dead = Number((await stack.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters WHERE flow_id = $1', [flowId])).rows[0]!.n);
    if (rows + dead !== sent) throw new Error(`soak: ${rows} rows + ${dead} dead letters ≠ ${sent} sent`);
    return result;
  } finally {
    await stack.stop();
  }
}

// ---- scale: one worker against two ----

async function scaleRun(workers: number): Promise<number> {
  const stack = await startStack(workers);
  try {
    const result = await batchedIngest(
      { client: stack.client, pool: stack.pool, databaseUrl: stack.databaseUrl, server: stack.server, worker: stack.workers[0]! },
      { records: scaleRecords, batchSize: 1000, inFlight: 4 },
    );
    return result.processedPerSecond;
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const lines: string[] = [];
  const section = (title: string) => lines.push('', `### ${title}`, '');
  console.log(`bench:steady on ${machine.cores} cores (${machine.model}), load average ${machine.loadAverage.toFixed(2)}`);

  if (!only || only === 'latency') {
    const results: LatencyResult[] = [];
    for (let i = 1; i <= runs; i++) {
      process.stdout.write(`latency run ${i}: ${fmt(rate)} records/s for ${seconds} s… `);
      const r = await steadyLatency();
      console.log(`p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms ingest to sink`);
      results.push(r);
    }
    const p99 = median(results.map((r) => r.p99));
    section(`Ingest-to-sink latency at a steady ${fmt(rate)} records/s (target p99 < 100 ms)`);
    lines.push(`One order per request, paced by the clock for ${seconds} s; latency = the sink row's clock_timestamp() − when the bench sent the order (valid orders, same machine clock).`, '');
    lines.push('| run | achieved records/s | p50 ms | p99 ms | max ms | ingest answer p99 ms |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    results.forEach((r, i) => lines.push(`| ${i + 1} | ${fmt(r.rate)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.answerP99.toFixed(0)} |`));
    lines.push('', `Median p99 ${p99.toFixed(0)} ms: **${p99 < 100 ? 'met' : 'missed'}**.`);
  }

  if (!only || only === 'soak') {
    process.stdout.write(`soak: ${fmt(soakRecords)} records… `);
    const r = await soak();
    console.log(`done in ${r.seconds.toFixed(0)} s; worker RSS at 100k ${mib(r.rssAt100k)}, peak after ${mib(r.rssPeakAfter100k)}, end ${mib(r.rssEnd)}`);
    const growth = r.rssPeakAfter100k / r.rssAt100k;
    section(`Worker memory over ${fmt(r.records)} records (target < 300 MB, no growth after the first 100k)`);
    lines.push('Batches of 1,000, 4 at a time, the backlog held under 20,000 records; every record checked delivered or dead-lettered at the end.', '');
    lines.push('| records | seconds | RSS at 100k | peak RSS after 100k | RSS at the end | peak RSS |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
    lines.push(`| ${fmt(r.records)} | ${r.seconds.toFixed(0)} | ${mib(r.rssAt100k)} | ${mib(r.rssPeakAfter100k)} | ${mib(r.rssEnd)} | ${mib(r.rssPeak)} |`);
    lines.push('', `RSS each time another 100,000 records were sent: ${r.rssEvery100k.map(mib).join(', ')}.`);
    lines.push('', `Peak ${mib(r.rssPeak)} (${r.rssPeak < 300 * 2 ** 20 ? 'under' : '**over**'} 300 MB); after 100k the peak is ${growth.toFixed(2)}× the RSS at 100k: **${r.rssPeak < 300 * 2 ** 20 && growth <= 1.15 ? 'met' : 'missed'}** (growth allowed: 15%, for GC timing).`);
  }

  if (!only || only === 'scale') {
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 1; i <= runs; i++) {
      process.stdout.write(`scale run ${i}: one worker… `);
      one.push(await scaleRun(1));
      process.stdout.write(`${fmt(one.at(-1)!)} records/s; two workers… `);
      two.push(await scaleRun(2));
      console.log(`${fmt(two.at(-1)!)} records/s`);
    }
    const ratios = one.map((o, i) => two[i]! / o);
    section(`One worker process against two (target ≥ 1.7×)`);
    lines.push(`Scenario A (${fmt(scaleRecords)} orders, batches of 1,000, 4 in flight), each run on a fresh database; end-to-end records/s.`, '');
    lines.push('| run | one worker | two workers | ratio |', '| --- | ---: | ---: | ---: |');
    one.forEach((o, i) => lines.push(`| ${i + 1} | ${fmt(o)} | ${fmt(two[i]!)} | ${ratios[i]!.toFixed(2)}× |`));
    const r = median(ratios);
    lines.push('', `Median ratio ${r.toFixed(2)}×: **${r >= 1.7 ? 'met' : 'missed'}** (the server, the workers, Postgres and the bench client share the same cores).`);
  }

  const text = [`## ${new Date().toISOString()} — steady state, memory and scaling (\`npm run bench:steady\`)`, '', `- Machine: ${machine.cores} cores, ${machine.model}, load average ${machine.loadAverage.toFixed(2)} at the start; PostgreSQL ${await postgresVersion()}, node ${process.version}.`, ...lines, ''].join('\n');
  console.log(text);
  if (values.record && !values['no-record']) {
    appendFileSync(path.join(REPO_ROOT, 'bench', 'RESULTS.md'), `\n${text}`);
    console.log('appended to bench/RESULTS.md');
  }
}

main().catch((err: unknown) => {
  console.error(`bench:steady failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
