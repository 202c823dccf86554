// `npm run bench:peers [-- --runs 3]`: the same HTTP ingest of orders (map, validate, write to
// Postgres) on Node-RED and on Sluice, on this machine, in one run; appends to bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineCpuSeconds, median, type Machine } from '../measure.js';
import { formatSummary, summarise } from '../profile-summary.js';
import { postgresVersion, REPO_ROOT } from '../sluice.js';
import { batchedLoad, killRun, singleRecordLoad, type KillFigures, type LoadFigures, type LoadName } from './load.js';
import { ensureNodeRed, NODE_RED_POOL_SIZE, NODE_RED_VERSION } from './node-red.js';
import { startNodeRedSystem, startSluice, type System, type SystemName } from './systems.js';
import { wholeNumberFlags } from '../flags.js';

const USAGE = `usage: npm run bench:peers -- [options]
  --runs N           runs, each with fresh databases and processes (default 3)
  --records N        orders per batched load (default 100000)
  --in-flight N      batched loads: requests in flight (default 8)
  --clients N        single-record load and kill runs: concurrent clients (default 50)
  --seconds N        single-record load: duration (default 10)
  --kill-records N   kill runs: orders, one per request (default 20000)
  --profile          instead: Sluice alone, a fresh server and worker per load, each with --cpu-prof;
                     prints where their main threads spent the time (profiles in bench/profiles/)
  --no-record        do not append to bench/RESULTS.md`;

/** The targets of issue #4 for Sluice on this 2-core machine. */
const TARGETS = { batchedRowsPerSecond: 60_000, singleRequestsPerSecond: 5_000, singleP99Ms: 25 } as const;

const RESULTS = path.join(REPO_ROOT, 'bench/RESULTS.md');

interface Options {
  runs: number;
  records: number;
  inFlight: number;
  clients: number;
  seconds: number;
  killRecords: number;
  profile: boolean;
  record: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      runs: { type: 'string', default: '3' },
      records: { type: 'string', default: '100000' },
      'in-flight': { type: 'string', default: '8' },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      'kill-records': { type: 'string', default: '20000' },
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
    runs: int('runs', values.runs, 1, 20),
    records: int('records', values.records, 1000, 1_000_000),
    inFlight: int('in-flight', values['in-flight'], 1, 64),
    clients: int('clients', values.clients, 1, 500),
    seconds: int('seconds', values.seconds, 1, 120),
    killRecords: int('kill-records', values['kill-records'], 100, 200_000),
    profile: values.profile,
    record: !values['no-record'] && !values.profile,
  };
}

/** The systems still open, closed newest first on success, failure, Ctrl-C or SIGTERM. */
const open = new Set<System>();

async function closeAll(): Promise<void> {
  for (const system of [...open].reverse()) {
    open.delete(system);
    await system.close().catch((err: unknown) => console.error(`bench:peers: could not close ${system.name}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

interface SystemRun {
  loads: Record<LoadName, LoadFigures>;
  /** Sluice: one kill run. Node-RED: answering after its INSERT, then answering before it. */
  kills: { variant: string; figures: KillFigures }[];
}

interface RunResult {
  loadAverage: number;
  systems: Record<SystemName, SystemRun>;
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : 'n/a');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const cores = (n: number) => n.toFixed(2);
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Before each load: wait until the machine's other work is below this many busy cores… */
const QUIET_CORES = 0.5;
/** …for at most this long (then the load runs anyway; "everything else" in the table shows it). */
const QUIET_WAIT_MS = 60_000;

/**
 * The machine is shared: a burst of other work landing on one system's load and not the other's
 * would decide the comparison. Waits until one second passes with fewer than QUIET_CORES busy.
 */
async function quiet(): Promise<void> {
  const start = Date.now();
  for (;;) {
    const before = machineCpuSeconds().busy;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = machineCpuSeconds().busy - before;
    if (busy < QUIET_CORES) return;
    if (Date.now() - start > QUIET_WAIT_MS) {
      process.stdout.write(`(the machine stayed busy: ${busy.toFixed(2)} cores) `);
      return;
    }
  }
}

const KILL_VARIANTS: Record<SystemName, readonly ('afterInsert' | 'beforeInsert')[]> = { sluice: ['afterInsert'], 'node-red': ['afterInsert', 'beforeInsert'] };

const killLabel = (name: SystemName, variant: 'afterInsert' | 'beforeInsert') =>
  name === 'sluice' ? 'answers after its commit' : variant === 'afterInsert' ? 'answers after its INSERT' : 'answers before its INSERT';

/**
 * One run: both systems started side by side (idle while the other is measured), each load run on
 * one then the other, so the two figures of a load are taken a few seconds apart; the kill runs last.
 * Which system goes first alternates between runs.
 */
async function oneRun(run: number, options: Options): Promise<Record<SystemName, SystemRun>> {
  const names: SystemName[] = run % 2 === 1 ? ['node-red', 'sluice'] : ['sluice', 'node-red'];
  const systems = new Map<SystemName, System>();
  for (const name of names) {
    const system = name === 'sluice' ? await startSluice() : await startNodeRedSystem();
    open.add(system);
    systems.set(name, system);
  }
  const get = (name: SystemName) => systems.get(name)!;
  const say = (name: SystemName, what: string) => process.stdout.write(`run ${run}: ${name.padEnd(8)} ${what}… `);
  const loads = { sluice: new Map<LoadName, LoadFigures>(), 'node-red': new Map<LoadName, LoadFigures>() };

  for (const name of names) {
    await quiet();
    say(name, `single records, ${options.clients} clients, ${options.seconds} s`);
    const single = await singleRecordLoad(get(name), await get(name).open('single'), { clients: options.clients, seconds: options.seconds });
    console.log(`${fmt(single.answeredPerSecond)} requests/s, ${fmt(single.rowsPerSecond)} rows/s, p99 ${ms(single.latencyP99Ms)} ms`);
    loads[name].set('single', single);
  }
  for (const batchSize of [100, 1000] as const) {
    for (const name of names) {
      await quiet();
      say(name, `${fmt(options.records)} orders in batches of ${batchSize}, ${options.inFlight} in flight`);
      const figures = await batchedLoad(get(name), await get(name).open(`batch${batchSize}`), { records: options.records, batchSize, inFlight: options.inFlight });
      console.log(`${fmt(figures.rowsPerSecond)} rows/s end to end, p99 ${ms(figures.latencyP99Ms)} ms`);
      loads[name].set(figures.load, figures);
    }
  }

  const kills = { sluice: [] as SystemRun['kills'], 'node-red': [] as SystemRun['kills'] };
  for (const name of names) {
    for (const variant of KILL_VARIANTS[name]) {
      const label = killLabel(name, variant);
      await quiet();
      say(name, `kill run (${label}), ${fmt(options.killRecords)} orders`);
      const figures = await killRun(get(name), await get(name).open(`kill_${variant.toLowerCase()}`, variant), {
        records: options.killRecords,
        clients: options.clients,
        prefix: `k${run}${variant}`,
      });
      kills[name].push({ variant: label, figures });
      console.log(`${fmt(figures.acked)} acknowledged, ${fmt(figures.missing)} missing afterwards, ${fmt(figures.duplicates)} doubled`);
      for (const step of figures.steps) console.log(`         ${step}`);
    }
  }
  await closeAll();

  const systemRun = (name: SystemName): SystemRun => {
    const pick = (load: LoadName) => {
      const figures = loads[name].get(load);
      if (!figures) throw new Error(`no ${load} figures for ${name}`);
      return figures;
    };
    return { loads: { single: pick('single'), batch100: pick('batch100'), batch1000: pick('batch1000') }, kills: kills[name] };
  };
  return { sluice: systemRun('sluice'), 'node-red': systemRun('node-red') };
}

/**
 * --profile: each load on a fresh Sluice whose server and worker write V8 CPU profiles when they
 * stop, so each profile covers one load; prints the main threads' summaries.
 */
async function profileSluice(options: Options): Promise<void> {
  const root = path.join(REPO_ROOT, 'bench/profiles', `peers-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  for (const load of ['single', 'batch100', 'batch1000'] as const) {
    const dir = path.join(root, load);
    mkdirSync(dir, { recursive: true });
    const system = await startSluice({ cpuProfileDir: dir });
    open.add(system);
    const roles = new Map(system.processes().map((p) => [p.pid, p.role]));
    process.stdout.write(`profile: sluice ${load}… `);
    const sink = await system.open(load);
    const figures =
      load === 'single'
        ? await singleRecordLoad(system, sink, { clients: options.clients, seconds: options.seconds })
        : await batchedLoad(system, sink, { records: options.records, batchSize: load === 'batch100' ? 100 : 1000, inFlight: options.inFlight });
    console.log(`${fmt(figures.rowsPerSecond)} rows/s end to end, p99 ${ms(figures.latencyP99Ms)} ms (profiler on)`);
    open.delete(system);
    await system.close();
    // V8 names each file CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread.
    for (const file of readdirSync(dir)) {
      const match = /^CPU\.\d+\.\d+\.(\d+)\.0\.\d+\.cpuprofile$/.exec(file);
      const role = match ? roles.get(Number(match[1])) : undefined;
      if (!role) continue;
      const text = formatSummary(`Sluice ${role}, main thread, ${load}`, summarise(path.join(dir, file)));
      writeFileSync(path.join(dir, `${role}-summary.txt`), `${text}\n`);
      console.log(`\n${text}\n`);
    }
  }
  console.log(`profiles and their summaries: ${path.relative(REPO_ROOT, root)}`);
}

// ---- reporting ----

interface Row {
  label: string;
  value: (s: SystemRun) => number;
  show: (n: number) => string;
  /** Sluice's target in issue #4. */
  target?: string;
}

const loadRows = (load: LoadName, title: string): Row[] => [
  ...(load === 'single'
    ? [{ label: `${title}: requests answered/s`, value: (s: SystemRun) => s.loads.single.answeredPerSecond, show: fmt, target: `≥ ${fmt(TARGETS.singleRequestsPerSecond)}` }]
    : [{ label: `${title}: records acknowledged/s (ingest only)`, value: (s: SystemRun) => s.loads[load].acked / s.loads[load].loadSeconds, show: fmt }]),
  {
    label: `${title}: rows/s end to end`,
    value: (s) => s.loads[load].rowsPerSecond,
    show: fmt,
    ...(load === 'batch100' ? { target: `≥ ${fmt(TARGETS.batchedRowsPerSecond)}` } : {}),
  },
  { label: `${title}: latency p50 ms`, value: (s) => s.loads[load].latencyP50Ms, show: ms },
  {
    label: `${title}: latency p99 ms`,
    value: (s) => s.loads[load].latencyP99Ms,
    show: ms,
    ...(load === 'single' ? { target: `≤ ${TARGETS.singleP99Ms}` } : {}),
  },
  { label: `${title}: peak RSS (Sluice: server + worker)`, value: (s) => sum(s.loads[load].rssPeak), show: mib },
  { label: `${title}: CPU cores, the system's processes`, value: (s) => sum(s.loads[load].cpu.byRole), show: cores },
  { label: `${title}: CPU cores, its database's Postgres backends`, value: (s) => s.loads[load].cpu.postgres, show: cores },
  { label: `${title}: CPU cores, everything else (other work on the machine)`, value: (s) => s.loads[load].cpu.other, show: cores },
  { label: `${title}: CPU cores, bench client`, value: (s) => s.loads[load].cpu.client, show: cores },
  { label: `${title}: rows short of the acknowledged valid records`, value: (s) => s.loads[load].expectedRows - s.loads[load].rows, show: fmt, target: '0' },
];

const ROWS: Row[] = [
  ...loadRows('single', 'single record'),
  ...loadRows('batch100', 'batches of 100'),
  ...loadRows('batch1000', 'batches of 1,000'),
];

function figuresTable(results: RunResult[]): string {
  const head = ['figure', 'Sluice (each run)', 'Sluice median', 'Node-RED (each run)', 'Node-RED median', 'Sluice ÷ Node-RED', 'Sluice target'];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const body = ROWS.map((row) => {
    const s = results.map((r) => row.value(r.systems.sluice));
    const n = results.map((r) => row.value(r.systems['node-red']));
    const ratio = median(n) === 0 ? '' : (median(s) / median(n)).toFixed(2);
    return line([row.label, s.map(row.show).join(' / '), row.show(median(s)), n.map(row.show).join(' / '), row.show(median(n)), ratio, row.target ?? '']);
  });
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...body].join('\n');
}

function splitLines(results: RunResult[]): string[] {
  const m = (f: (r: RunResult) => number) => median(results.map(f));
  return (['single', 'batch100', 'batch1000'] as const).map((load) => {
    const part = (name: SystemName) => {
      const roles = Object.keys(results[0]!.systems[name].loads[load].cpu.byRole);
      const each = roles.map((role) => `${role} ${cores(m((r) => r.systems[name].loads[load].cpu.byRole[role] ?? 0))}`).join(', ');
      const rss = roles.map((role) => `${role} ${mib(m((r) => r.systems[name].loads[load].rssPeak[role] ?? 0))}`).join(', ');
      return (
        `${name === 'sluice' ? 'Sluice' : 'Node-RED'}: machine ${cores(m((r) => r.systems[name].loads[load].cpu.machine))} (${each}, ` +
        `its Postgres backends ${cores(m((r) => r.systems[name].loads[load].cpu.postgres))}, bench client ${cores(m((r) => r.systems[name].loads[load].cpu.client))}, ` +
        `everything else ${cores(m((r) => r.systems[name].loads[load].cpu.other))}); peak RSS ${rss}`
      );
    };
    return `- ${load === 'single' ? 'Single record' : load === 'batch100' ? 'Batches of 100' : 'Batches of 1,000'}: ${part('sluice')}. ${part('node-red')}.`;
  });
}

function killTable(results: RunResult[]): string {
  const head = ['system', 'kills (at acknowledged records)', ...results.flatMap((_, i) => [`run ${i + 1}: acknowledged`, 'missing', 'doubled', 'repeated requests', 'seconds'])];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const body: string[] = [];
  for (const name of ['sluice', 'node-red'] as const) {
    const first = results[0]!.systems[name].kills;
    first.forEach((kill, k) => {
      const cells = results.flatMap((r) => {
        const f = r.systems[name].kills[k]!.figures;
        return [fmt(f.acked), `**${fmt(f.missing)}**`, fmt(f.duplicates), fmt(f.repeated), f.seconds.toFixed(1)];
      });
      body.push(line([`${name === 'sluice' ? 'Sluice' : 'Node-RED'}, ${kill.variant}`, kill.figures.steps.map((s) => s.replace(/ at ([\d,]+) acknowledged$/, ' ($1)')).join('; '), ...cells]));
    });
  }
  return [line(head), line(head.map((_, i) => (i < 2 ? '---' : '---:'))), ...body].join('\n');
}

const REFERENCE = [
  'Reference figures quoted in issue #4 (same kind of machine: 2 cores, medians of 3, client on the same machine):',
  '',
  '- Node-RED 4 in memory: 8,805 req/s single (p99 10 ms), 125,775 rec/s in batches of 100.',
  '- Node-RED + Postgres insert: 4,258 req/s single (p99 23 ms), 51,415 rec/s in batches of 100.',
  '- n8n 2.8: 85 req/s. Plain `node:http` doing the same map+validate in memory: 36,124 req/s; express 5: 6,567.',
  '- Postgres 15: 3,537 single-row commits/s from one client, 12,658 from 8; 157k rows/s as 100-row INSERTs from one client; 275k rows/s by COPY.',
  '- graphile-worker 0.18: 2,797 no-op jobs/s with default options; 37,817 with `localQueue: { size: 500 }` and `completeJobBatchDelay: 0`.',
  '- Targets for Sluice: ≥ 60,000 records/s end to end batched; ≥ 5,000 single-record requests/s at 50 clients with p99 ≤ 25 ms; all with durable acknowledgement and nothing lost.',
];

function packageVersion(file: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : 'unknown';
  } catch {
    return 'unknown';
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function headline(results: RunResult[]): { sluice: number; nodeRed: number; ratio: number } {
  const sluice = median(results.map((r) => r.systems.sluice.loads.batch100.rowsPerSecond));
  const nodeRed = median(results.map((r) => r.systems['node-red'].loads.batch100.rowsPerSecond));
  return { sluice, nodeRed, ratio: sluice / nodeRed };
}

function section(options: Options, machine: Machine, postgres: string, results: RunResult[]): string {
  const defaults = options.records === 100_000 && options.inFlight === 8 && options.clients === 50 && options.seconds === 10 && options.killRecords === 20_000;
  const h = headline(results);
  const sluiceLost = results.reduce((a, r) => a + r.systems.sluice.kills.reduce((b, k) => b + k.figures.missing, 0), 0);
  return [
    `## ${new Date().toISOString()} — side by side with Node-RED (\`npm run bench:peers\`), ${results.length} run${results.length === 1 ? '' : 's'}${defaults ? '' : ' (non-default parameters)'}`,
    '',
    `- Machine: ${machine.cores} cores (nproc), ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, shared with other work ` +
      `(1-minute load average at the start of each run: ${results.map((r) => r.loadAverage.toFixed(2)).join(', ')}). The bench client, the systems and Postgres share these cores. Both systems are started side by side; each load runs on one and then the other (idle meanwhile), which goes first alternates between runs, and before each load the bench waits (up to ${QUIET_WAIT_MS / 1000} s) for the machine to be below ${QUIET_CORES} busy cores for a second.`,
    `- Versions: node-red ${NODE_RED_VERSION} (npm, in bench/peers/; 5.x needs Node ≥ 22.9), node ${process.version}, PostgreSQL ${postgres}, ` +
      `graphile-worker ${packageVersion('node_modules/graphile-worker/package.json')}, @sluice/server ${packageVersion('apps/server/package.json')} (commit ${commit()}).`,
    '- Work: orders from `makeOrders` (apps/server/test/fixtures.ts), mapped (order id, lower-cased email, item count, total), validated (total = Σ price × qty; 1 in 10 fails), email masked, written to a Postgres table. ' +
      'Sluice: the tests\' orders flow without its HTTP sink (webhook → map → rules → mask → Postgres), one `--role=server` and one `--role=worker` process, worker concurrency 8; it answers 202 once the records are committed, and dead-letters the failing ones later. ' +
      `Node-RED: \`http in\` → \`function\` (the same map, rule and mask, then one \`INSERT … SELECT FROM unnest(…)\` per request through a pg Pool of ${NODE_RED_POOL_SIZE} set in \`functionGlobalContext\`) → \`http response\`; it answers 200 after the INSERT, 422 to a request with no valid order. Each system on its own fresh database.`,
    `- Loads: single-record requests from ${options.clients} keep-alive clients for ${options.seconds} s; ${fmt(options.records)} orders in batches of 100 and of 1,000 with ${options.inFlight} requests in flight. ` +
      'Rows/s end to end = rows in the table / time from the first request until they were there (Sluice: until its backlog was empty; Node-RED: the last answer). Latency is per request, client side. RSS is the peak over the load, sampled every 250 ms.',
    `- Kill runs: ${fmt(options.killRecords)} orders, one per request, ${options.clients} clients; a request without an answer (or answered 5xx) is repeated until answered. ` +
      'Sluice: SIGKILL the worker at 1/3 of the orders acknowledged, SIGKILL the server at 2/3, restart both, let it finish (a dead worker\'s jobs are released after 15 s). ' +
      'Node-RED: SIGKILL at 1/2, restart, let it finish; once with the flow above (answer after the INSERT) and once with `http response` wired in parallel with the INSERT (answer before it, as Node-RED flows commonly do). ' +
      '"Missing" = acknowledged orders that are neither a row in the table nor (Sluice) a dead letter afterwards; "doubled" = rows beyond one per order id, from a request that was stored but whose answer the kill cut off.',
    '',
    figuresTable(results),
    '',
    'Where the CPU went (medians, in cores of 2):',
    '',
    ...splitLines(results),
    '',
    'Durability under SIGKILL:',
    '',
    killTable(results),
    '',
    `Headline (batches of 100, medians): Sluice ${fmt(h.sluice)} rows/s, Node-RED ${fmt(h.nodeRed)} rows/s, ratio ${h.ratio.toFixed(2)}. ` +
      `Sluice lost ${sluiceLost === 0 ? 'nothing it acknowledged in any kill run' : `**${sluiceLost} acknowledged records** across the kill runs`}.`,
    '',
    ...REFERENCE,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench:peers: ${signal}: stopping the systems and dropping their databases…`);
    void closeAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (options.profile) {
    try {
      await profileSluice(options);
    } catch (err) {
      if (!interrupted) {
        console.error(`\nbench:peers: profiling failed: ${err instanceof Error ? err.message : String(err)}`);
        await closeAll();
      }
      process.exitCode = 1;
    }
    return;
  }

  ensureNodeRed();
  const machine = describeMachine();
  const postgres = await postgresVersion();
  console.log(
    `bench:peers: ${options.runs} run(s) on ${machine.cores} cores (${machine.model}), node ${process.version}, node-red ${NODE_RED_VERSION}, PostgreSQL ${postgres}, load average ${machine.loadAverage.toFixed(2)}`,
  );

  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= options.runs; run++) {
      const loadAverage = describeMachine().loadAverage;
      results.push({ loadAverage, systems: await oneRun(run, options) });
    }
  } catch (err) {
    if (!interrupted) {
      console.error(`\nbench:peers: run ${results.length + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof Error && err.cause instanceof Error) console.error(`  cause: ${err.cause.message}`);
      await closeAll();
    }
    process.exitCode = 1;
    return;
  }

  const text = section(options, machine, postgres, results);
  console.log(`\n${text}`);
  if (options.record) {
    appendFileSync(RESULTS, `\n${text}`);
    console.log(`appended to ${path.relative(REPO_ROOT, RESULTS)}`);
  }
  const h = headline(results);
  console.log(`sluice ${Math.round(h.sluice)} rec/s, node-red ${Math.round(h.nodeRed)} rec/s, ratio ${h.ratio.toFixed(2)}`);
}

await main();
