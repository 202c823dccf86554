// `npm run bench [-- --runs 3 --profile]`: runs scenarios A (batched) and B (single-record) against
// a fresh Sluice per run, prints the figures and their medians, and appends them to bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { describeMachine, median, rssBytes, type CpuSplit, type Machine } from './measure.js';
import { Cleanup, cleanUpOnSignals } from './cleanup.js';
import { formatSummary, summarise } from './profile-summary.js';
import { batchedIngest, singleRecordIngest, type BatchedResult, type SingleResult, type Target } from './scenarios.js';
import { createDatabase, postgresVersion, REPO_ROOT, startServer, startWorker, type Client, type SluiceProcess } from './sluice.js';
import { wholeNumberFlags } from './flags.js';

const USAGE = `usage: npm run bench -- [options]
  --runs N                 runs, each on a fresh database (default 3; 1 with --profile)
  --records N              scenario A: orders to push (default 100000)
  --batch N                scenario A: orders per request (default 1000)
  --in-flight N            scenario A: requests in flight (default 4)
  --clients N              scenario B: concurrent clients (default 50)
  --seconds N              scenario B: load duration (default 10)
  --worker-concurrency N   SLUICE_WORKER_CONCURRENCY for the worker (default: Sluice's own, 8)
  --chunk-size N           the bench flow's chunkSize setting (default: Sluice's own)
  --parallelism N          the bench flow's parallelism setting (default: Sluice's own)
  --profile                write CPU profiles (worker and server, during A and during B) to bench/profiles/
                           and print their top functions; figures are printed, not recorded
  --no-record              do not append to bench/RESULTS.md`;

/** The targets of issue #4 (issue #2 asked for 20,000 and 2,000). */
const TARGETS = { endToEndPerSecond: 60_000, singleRequestsPerSecond: 5_000, singleP99Ms: 25 } as const;

const BENCH_DIR = path.join(REPO_ROOT, 'bench');
const RESULTS = path.join(BENCH_DIR, 'RESULTS.md');

interface Options {
  runs: number;
  records: number;
  batch: number;
  inFlight: number;
  clients: number;
  seconds: number;
  workerConcurrency: number | undefined;
  chunkSize: number | undefined;
  parallelism: number | undefined;
  profile: boolean;
  record: boolean;
}

/**
 * The bench's flags. The root script is `npm run bench --workspace bench` (no `--`), so in
 * `npm run bench -- --runs 1` the inner npm takes `--runs` as its own setting and passes on only
 * "1". When flags went missing that way, they are read from the `sh -c "npm run bench --workspace
 * bench --runs 1"` that started the inner npm (npm rewrites its own title, so not from npm).
 */
function parseOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      runs: { type: 'string' },
      records: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '1000' },
      'in-flight': { type: 'string', default: '4' },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      'worker-concurrency': { type: 'string' },
      'chunk-size': { type: 'string' },
      parallelism: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-record': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = wholeNumberFlags(USAGE);
  return {
    runs: int('runs', values.runs ?? (values.profile ? '1' : '3'), 1, 20),
    records: int('records', values.records, 1, 1_000_000),
    batch: int('batch', values.batch, 1, 10_000),
    inFlight: int('in-flight', values['in-flight'], 1, 64),
    clients: int('clients', values.clients, 1, 500),
    seconds: int('seconds', values.seconds, 1, 120),
    workerConcurrency: values['worker-concurrency'] === undefined ? undefined : int('worker-concurrency', values['worker-concurrency'], 1, 100),
    chunkSize: values['chunk-size'] === undefined ? undefined : int('chunk-size', values['chunk-size'], 1, 5000),
    parallelism: values.parallelism === undefined ? undefined : int('parallelism', values.parallelism, 1, 64),
    profile: values.profile,
    record: !values['no-record'] && !values.profile,
  };
}

interface RunResult {
  a: BatchedResult;
  b: SingleResult;
  /** Worker RSS when the run ended, after B was processed. */
  workerRssFinal: number;
  loadAverage: number;
}

/** The processes of one run; replaced in place when --profile restarts one of them. */
interface Live {
  server: SluiceProcess | null;
  client: Client | null;
  worker: SluiceProcess | null;
}

async function oneRun(index: number, options: Options, cleanup: Cleanup, profileDir: string | null): Promise<RunResult> {
  const loadAverage = describeMachine().loadAverage;
  const db = await createDatabase();
  cleanup.add(`drop database ${db.name}`, () => db.drop());
  const live: Live = { server: null, client: null, worker: null };
  cleanup.add('stop the Sluice processes', async () => {
    live.client?.close();
    await Promise.all([live.server?.stop(), live.worker?.stop()]);
  });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {}); // the database is dropped under it at the end
  cleanup.add('close the bench pool', () => pool.end());

  const started = await startServer(db.url, profileDir ? path.join(profileDir, `run${index}-A-server`) : undefined);
  live.server = started.process;
  live.client = started.client;
  live.worker = await startWorker(db.url, pool, options.workerConcurrency, profileDir ? path.join(profileDir, `run${index}-A`) : undefined);
  const flowSettings = { chunkSize: options.chunkSize, parallelism: options.parallelism };
  const target = (): Target => ({ client: live.client!, pool, databaseUrl: db.url, server: live.server!, worker: live.worker!, flowSettings });

  process.stdout.write(`run ${index}: A (${options.records} orders, batches of ${options.batch}, ${options.inFlight} in flight)… `);
  const a = await batchedIngest(target(), { records: options.records, batchSize: options.batch, inFlight: options.inFlight });
  console.log(`${fmt(a.processedPerSecond)} records/s end to end`);

  if (profileDir) {
    // Each process has a profile over A and another over B.
    await live.worker.stop();
    live.worker = await startWorker(db.url, pool, options.workerConcurrency, path.join(profileDir, `run${index}-B-worker`));
    live.client.close();
    await live.server.stop();
    const restarted = await startServer(db.url, path.join(profileDir, `run${index}-B`));
    live.server = restarted.process;
    live.client = restarted.client;
  }

  process.stdout.write(`run ${index}: B (${options.clients} clients, one order per request, ${options.seconds} s)… `);
  const b = await singleRecordIngest(target(), { clients: options.clients, seconds: options.seconds });
  console.log(`${fmt(b.acceptedPerSecond)} requests/s answered 202, ${b.lost === 0 ? 'none lost' : `${b.lost} LOST`}`);
  const workerRssFinal = rssBytes(live.worker.pid) ?? 0;
  await cleanup.runAll();
  return { a, b, workerRssFinal, loadAverage };
}

// ---- reporting ----

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : 'n/a');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const cores = (n: number) => n.toFixed(2);

interface Row {
  label: string;
  value: (r: RunResult) => number;
  show: (n: number) => string;
  target?: string;
}

const cpuRows = (scenario: string, pick: (r: RunResult) => CpuSplit): Row[] => [
  { label: `${scenario}: CPU cores busy, whole machine (of 2)`, value: (r) => pick(r).machine, show: cores },
  { label: `${scenario}: … worker process`, value: (r) => pick(r).worker, show: cores },
  { label: `${scenario}: … server process`, value: (r) => pick(r).server, show: cores },
  { label: `${scenario}: … bench client`, value: (r) => pick(r).client, show: cores },
  { label: `${scenario}: … Postgres and everything else`, value: (r) => pick(r).other, show: cores },
];

const ROWS: Row[] = [
  { label: 'A: ingest-only records/s (accepted / ingest wall time)', value: (r) => r.a.ingestPerSecond, show: fmt },
  { label: 'A: end-to-end records/s (delivered + dead-lettered)', value: (r) => r.a.processedPerSecond, show: fmt, target: `≥ ${fmt(TARGETS.endToEndPerSecond)}` },
  { label: 'A: end-to-end delivered rows/s (valid only, 9 in 10)', value: (r) => r.a.deliveredPerSecond, show: fmt },
  { label: 'A: ingest wall time s', value: (r) => r.a.ingestSeconds, show: (n) => n.toFixed(2) },
  { label: 'A: end-to-end time s', value: (r) => r.a.endToEndSeconds, show: (n) => n.toFixed(2) },
  { label: 'A: ingest request latency p50 ms', value: (r) => r.a.latencyP50Ms, show: ms },
  { label: 'A: ingest request latency p99 ms', value: (r) => r.a.latencyP99Ms, show: ms },
  { label: 'A: peak backlog (records accepted, not processed)', value: (r) => r.a.peakQueued, show: fmt },
  { label: 'A: processed records/s while ingest ran', value: (r) => r.a.processedDuringIngestPerSecond, show: fmt },
  { label: 'A: processed records/s after ingest ended', value: (r) => r.a.processedAfterIngestPerSecond, show: fmt },
  { label: 'A: 429 answers (retried)', value: (r) => r.a.throttled, show: fmt },
  { label: 'A: worker RSS peak', value: (r) => r.a.workerRssPeak, show: mib },
  { label: 'A: worker RSS after A was processed', value: (r) => r.a.workerRssEnd, show: mib },
  { label: 'A: server RSS peak', value: (r) => r.a.serverRssPeak, show: mib },
  ...cpuRows('A', (r) => r.a.cpu),
  { label: 'B: requests/s answered 202', value: (r) => r.b.acceptedPerSecond, show: fmt, target: `≥ ${fmt(TARGETS.singleRequestsPerSecond)}` },
  { label: 'B: request latency p50 ms', value: (r) => r.b.latencyP50Ms, show: ms },
  { label: 'B: request latency p99 ms', value: (r) => r.b.latencyP99Ms, show: ms, target: `≤ ${TARGETS.singleP99Ms}` },
  { label: 'B: answers other than 202', value: (r) => r.b.rejectedCount, show: fmt, target: '0' },
  { label: 'B: records accepted (202)', value: (r) => r.b.accepted, show: fmt },
  { label: 'B: accepted but neither delivered nor dead-lettered', value: (r) => r.b.lost, show: fmt, target: '0' },
  { label: 'B: sink rows = valid accepted exactly (1 = yes)', value: (r) => (r.b.exact ? 1 : 0), show: (n) => (n === 1 ? 'yes' : 'NO'), target: 'yes' },
  { label: 'B: time to process the backlog after the load s', value: (r) => r.b.drainSeconds, show: (n) => n.toFixed(2) },
  { label: 'B: worker RSS peak', value: (r) => r.b.workerRssPeak, show: mib },
  { label: 'B: server RSS peak', value: (r) => r.b.serverRssPeak, show: mib },
  ...cpuRows('B', (r) => r.b.cpu),
  { label: 'worker RSS at the end of the run', value: (r) => r.workerRssFinal, show: mib },
];

function table(results: RunResult[]): string {
  const head = ['figure', ...results.map((_, i) => `run ${i + 1}`), 'median', 'target'];
  const body = ROWS.map((row) => {
    const values = results.map(row.value);
    return [row.label, ...values.map(row.show), row.show(median(values)), row.target ?? ''];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

function verdict(results: RunResult[]): string[] {
  const m = (f: (r: RunResult) => number) => median(results.map(f));
  const e2e = m((r) => r.a.processedPerSecond);
  const ingest = m((r) => r.a.ingestPerSecond);
  const single = m((r) => r.b.acceptedPerSecond);
  const singleP99 = m((r) => r.b.latencyP99Ms);
  const lost = results.reduce((a, r) => a + r.b.lost, 0);
  const split = (f: (r: RunResult) => CpuSplit) =>
    `the machine was ${cores(m((r) => f(r).machine))} of ${results[0]!.a.cpu.cores} cores busy (worker ${cores(m((r) => f(r).worker))}, ` +
    `server ${cores(m((r) => f(r).server))}, bench client ${cores(m((r) => f(r).client))}, Postgres and the rest ${cores(m((r) => f(r).other))})`;
  const lines: string[] = [];
  if (e2e >= TARGETS.endToEndPerSecond) {
    lines.push(`- Batched, end to end: **met** — median ${fmt(e2e)} records/s against ≥ ${fmt(TARGETS.endToEndPerSecond)}.`);
  } else {
    // Processing counts as keeping pace with ingest when end to end is within a tenth of it.
    const share = e2e / ingest;
    const limit =
      ingest >= TARGETS.endToEndPerSecond
        ? `ingest alone keeps up (${fmt(ingest)} records/s), so processing (worker + Postgres sink) is the limit`
        : share >= 0.9
          ? `ingest alone reaches only ${fmt(ingest)} records/s, and end to end keeps pace with it (${(share * 100).toFixed(0)}%), so ingest is the limit`
          : `ingest alone reaches ${fmt(ingest)} records/s, short of it too; end to end is ${(share * 100).toFixed(0)}% of that, so processing (worker + Postgres sink) falls behind ingest as well`;
    lines.push(
      `- Batched, end to end: **missed** — median ${fmt(e2e)} records/s against ≥ ${fmt(TARGETS.endToEndPerSecond)} ` +
        `(${((e2e / TARGETS.endToEndPerSecond) * 100).toFixed(0)}% of it). ${limit[0]!.toUpperCase()}${limit.slice(1)}; during A ${split((r) => r.a.cpu)}.`,
    );
  }
  const durable = lost === 0 ? 'every 202 was a committed record (none lost in any run)' : `**${lost} accepted records were lost** across the runs`;
  if (single >= TARGETS.singleRequestsPerSecond && singleP99 <= TARGETS.singleP99Ms) {
    lines.push(`- Single-record ingest, ${results[0]!.b.clients} clients: **met** — median ${fmt(single)} requests/s answered 202 against ≥ ${fmt(TARGETS.singleRequestsPerSecond)}, p99 ${ms(singleP99)} ms against ≤ ${TARGETS.singleP99Ms}; ${durable}.`);
  } else {
    lines.push(
      `- Single-record ingest, ${results[0]!.b.clients} clients: **missed** — median ${fmt(single)} requests/s answered 202 against ≥ ${fmt(TARGETS.singleRequestsPerSecond)}, p99 ${ms(singleP99)} ms against ≤ ${TARGETS.singleP99Ms} ` +
        `(${((single / TARGETS.singleRequestsPerSecond) * 100).toFixed(0)}% of it); ${durable}. During B ${split((r) => r.b.cpu)}.`,
    );
  }
  return lines;
}

interface Versions {
  node: string;
  postgres: string;
  graphileWorker: string;
  sluice: string;
  commit: string;
}

function packageVersion(file: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function versions(): Promise<Versions> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    postgres: await postgresVersion(),
    graphileWorker: packageVersion('node_modules/graphile-worker/package.json'),
    sluice: packageVersion('apps/server/package.json'),
    commit,
  };
}

function section(options: Options, machine: Machine, v: Versions, results: RunResult[]): string {
  const defaults = options.records === 100_000 && options.batch === 1000 && options.inFlight === 4 && options.clients === 50 && options.seconds === 10 && options.chunkSize === undefined && options.parallelism === undefined && options.workerConcurrency === undefined;
  return [
    `## ${new Date().toISOString()} — ${results.length} run${results.length === 1 ? '' : 's'}${defaults ? '' : ' (non-default parameters)'}`,
    '',
    `- Machine: ${machine.cores} cores (nproc), ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory. ` +
      `Shared: other work may run on it (1-minute load average at the start of each run: ${results.map((r) => r.loadAverage.toFixed(2)).join(', ')}). ` +
      'The bench client, the server, the worker and Postgres all share these cores.',
    `- Versions: node ${v.node}, PostgreSQL ${v.postgres}, graphile-worker ${v.graphileWorker}, @sluice/server ${v.sluice} (commit ${v.commit}).`,
    `- Setup: one \`--role=server\` and one \`--role=worker\` process (worker concurrency ${options.workerConcurrency ?? '8 (default)'}), LOG_LEVEL=warn, ` +
      `a fresh database per run, flow settings: chunk size ${options.chunkSize ?? '500 (default)'}, parallelism ${options.parallelism ?? '4 (default)'}, max backlog 100,000. ` +
      'Flow: webhook → map → rules → mask → Postgres sink (the tests\' orders flow without its HTTP sink: the headline is the Postgres sink); 1 order in 10 fails the rule and is dead-lettered.',
    `- A: ${fmt(options.records)} orders as JSON arrays of ${fmt(options.batch)}, ${options.inFlight} requests in flight; end to end = (rows in the sink table + dead letters) / time from the first ingest request until the backlog (chunks table, polled every 100 ms) was empty. ` +
      `B: ${options.clients} keep-alive clients each posting one order per request for ${options.seconds} s; then the bench waits until the backlog is empty and compares the sink table and dead letters with the 202s.`,
    '',
    table(results),
    '',
    'Against the targets of issue #4 (medians):',
    '',
    ...verdict(results),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const machine = describeMachine();
  const v = await versions();
  const cleanup = new Cleanup();
  const signals = cleanUpOnSignals(cleanup);

  const profileDir = options.profile ? path.join(BENCH_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  console.log(`Sluice bench: ${options.runs} run(s) on ${machine.cores} cores (${machine.model}), node ${v.node}, PostgreSQL ${v.postgres}, load average ${machine.loadAverage.toFixed(2)}`);

  const results: RunResult[] = [];
  try {
    for (let i = 1; i <= options.runs; i++) results.push(await oneRun(i, options, cleanup, profileDir));
  } catch (err) {
    if (!signals.interrupted()) {
      console.error(`bench: run ${results.length + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof Error && err.cause instanceof Error) console.error(`  cause: ${err.cause.message}`);
      await cleanup.runAll();
    }
    process.exitCode = 1;
    return;
  }

  console.log(`\n${table(results)}\n\n${verdict(results).join('\n')}\n`);
  if (options.record) {
    if (!existsSync(RESULTS)) writeFileSync(RESULTS, '# Sluice benchmark results\n\nEach section is appended by `npm run bench` (bench/README.md says how it measures).\n\n');
    appendFileSync(RESULTS, `${section(options, machine, v, results)}\n`);
    console.log(`appended to ${path.relative(REPO_ROOT, RESULTS)}`);
  }
  if (profileDir) {
    for (let i = 1; i <= options.runs; i++) {
      for (const [scenario, role] of [['A', 'worker'], ['A-server', 'server'], ['B', 'server'], ['B-worker', 'worker']] as const) {
        const dir = path.join(profileDir, `run${i}-${scenario}`);
        const main = existsSync(dir) ? readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : undefined;
        if (!main) continue;
        const text = formatSummary(`${role}, main thread, during scenario ${scenario.slice(0, 1)} (run ${i})`, summarise(path.join(dir, main)));
        writeFileSync(path.join(dir, `${role}-summary.txt`), `${text}\n`);
        console.log(`\n${text}`);
      }
    }
    console.log(`\nprofiles and their summaries: ${path.relative(REPO_ROOT, profileDir)}`);
  }
}

await main();
