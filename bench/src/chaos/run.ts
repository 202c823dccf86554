// `npm run bench:chaos -w bench [-- options]`: the chaos runs of issue #4 too long for `npm test`.
// 1. kill -9 the worker at random moments (10 kills during a 50,000-record run of the orders flow
//    into the Postgres sink), restarting it each time; 2. take the database away for 10 s in the
//    middle of a run (per database: the shared Postgres is not restarted). Each runs on a fresh
//    database with the server and worker as child processes. It prints what became of every
//    accepted record, appends a "Chaos" section to bench/RESULTS.md, and exits 1 if anything was
//    lost, doubled or answered wrongly.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '../measure.js';
import { postgresVersion, REPO_ROOT } from '../sluice.js';
import { killLoop, type KillResult } from './kills.js';
import { databaseOutage, type OutageResult } from './outage.js';
import { startTarget, stopTarget, type Accounting, type ChaosTarget } from './target.js';
import { wholeNumberFlags } from '../flags.js';

const USAGE = `usage: npm run bench:chaos -w bench -- [options]
  --only kills|outage      run one scenario (default both)
  --records N              kill loop: orders to push (default 50000)
  --kills N                kill loop: worker kills (default 10)
  --outage-records N       outage: orders to push (default 20000)
  --outage-seconds N       outage: how long the database stays away (default 10)
  --worker-concurrency N   SLUICE_WORKER_CONCURRENCY (default 8)
  --no-record              do not append to bench/RESULTS.md`;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      only: { type: 'string' },
      records: { type: 'string', default: '50000' },
      kills: { type: 'string', default: '10' },
      'outage-records': { type: 'string', default: '20000' },
      'outage-seconds': { type: 'string', default: '10' },
      'worker-concurrency': { type: 'string', default: '8' },
      'no-record': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = wholeNumberFlags(USAGE);
  if (values.only !== undefined && values.only !== 'kills' && values.only !== 'outage') {
    console.error(`--only takes kills or outage\n\n${USAGE}`);
    process.exit(2);
  }
  return {
    only: values.only as 'kills' | 'outage' | undefined,
    records: int('records', values.records, 1000, 1_000_000),
    kills: int('kills', values.kills, 0, 100),
    outageRecords: int('outage-records', values['outage-records'], 1000, 1_000_000),
    outageSeconds: int('outage-seconds', values['outage-seconds'], 1, 120),
    workerConcurrency: int('worker-concurrency', values['worker-concurrency'], 1, 100),
    record: !values['no-record'],
  };
}

const fmt = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
const counts = (c: Record<string, number>) => (Object.keys(c).length === 0 ? 'none' : Object.entries(c).map(([k, v]) => `${k} ×${v}`).join(', '));

/** The promise of the durability protocol: all accepted records finished, once each, in the right place. */
function accountingProblems(a: Accounting): string[] {
  const problems: string[] = [];
  if (a.lost > 0) problems.push(`${a.lost} accepted records lost`);
  if (a.duplicates > 0) problems.push(`${a.duplicates} duplicate rows or dead letters`);
  if (a.misplaced > 0) problems.push(`${a.misplaced} records in the wrong place`);
  if (a.unfinished > 0) problems.push(`${a.unfinished} accepted records never processed (still queued)`);
  return problems;
}

function accountingRows(a: Accounting): [string, string][] {
  return [
    ['records accepted (202)', fmt(a.accepted, 0)],
    ['delivered: distinct ids in the sink table (rows)', `${fmt(a.delivered, 0)} (${fmt(a.sinkRows, 0)})`],
    ['dead-lettered: distinct ids (rows)', `${fmt(a.deadLettered, 0)} (${fmt(a.deadLetterRows, 0)})`],
    ['duplicates', fmt(a.duplicates, 0)],
    ['lost (accepted, then found nowhere: not delivered, not dead-lettered, not queued)', fmt(a.lost, 0)],
    ['never processed (still queued at the end)', fmt(a.unfinished, 0)],
    ['in the wrong place (valid dead-lettered, invalid delivered)', fmt(a.misplaced, 0)],
    ['finished without a 202 (the client saw an error; committed anyway)', fmt(a.unacknowledged, 0)],
    ['order ids in the sink twice (a resend after such an answer)', fmt(a.ordersTwice, 0)],
  ];
}

function killRows(r: KillResult): { rows: [string, string][]; problems: string[] } {
  const released = r.kills.filter((k) => k.jobsLocked > 0).map((k) => k.releasedMs).filter((x): x is number => x !== null);
  const resumed = r.kills.map((k) => k.resumedMs).filter((x): x is number => x !== null);
  const problems = accountingProblems(r.accounting);
  if (r.kills.length < r.options.kills) problems.push(`only ${r.kills.length} kills`);
  if (r.drainSeconds === null) problems.push('the backlog never drained');
  if (r.unexpectedExits.length > 0) problems.push(`unexpected exits: ${r.unexpectedExits.join('; ')}`);
  const holding = r.kills.filter((k) => k.jobsLocked > 0).length;
  if (released.length < holding) problems.push(`${holding - released.length} dead workers' jobs never released`);
  const other = Object.fromEntries(Object.entries(r.answers).filter(([s]) => s !== '202' && s !== '429'));
  if (Object.keys(other).length > 0) problems.push(`ingest answered ${counts(other)}`);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
  const rows: [string, string][] = [
    ['kills (SIGKILL; a new worker started at once)', fmt(r.kills.length, 0)],
    ['… at, s into the run', r.kills.map((k) => fmt(k.at)).join(', ')],
    ['… ms after its burst started', r.kills.map((k) => fmt(k.afterBurstMs, 0)).join(', ')],
    ['… chunk jobs the worker held locked', r.kills.map((k) => k.jobsLocked).join(', ')],
    ['… records queued', r.kills.map((k) => fmt(k.queued, 0)).join(', ')],
    ['… ms until records finished again (— when none were left)', r.kills.map((k) => fmt(k.resumedMs, 0)).join(', ')],
    ['new worker registered after a kill, ms (median / max)', `${fmt(median(r.kills.map((k) => k.restartMs)), 0)} / ${fmt(max(r.kills.map((k) => k.restartMs)), 0)}`],
    ['records finishing again after a kill that left some queued, ms (median / max)', `${fmt(median(resumed), 0)} / ${fmt(max(resumed), 0)}`],
    ['dead worker’s jobs released by the reaper after (kills mid-chunk), ms (median / max)', `${fmt(median(released), 0)} / ${fmt(max(released), 0)}`],
    ['backlog drained after the last kill, s', fmt(r.drainSeconds)],
    ['whole run, s', fmt(r.runSeconds)],
    ['ingest answers', counts(r.answers)],
    ...accountingRows(r.accounting),
  ];
  return { rows, problems };
}

function outageRows(r: OutageResult): { rows: [string, string][]; problems: string[] } {
  const problems = accountingProblems(r.accounting);
  const bad = Object.keys(r.during.statuses).filter((s) => s !== '503');
  if (bad.length > 0) problems.push(`answers other than 503 while the database was away: ${bad.join(', ')}`);
  if (!r.during.statuses['503']) problems.push('no 503 seen while the database was away');
  if (r.during.maxMs > 10_000) problems.push(`an answer took ${r.during.maxMs} ms while it was away (a hang)`);
  if (r.ingestBackMs === null) problems.push('ingest never accepted again');
  if (r.workerBackMs === null) problems.push('the worker never finished a record again');
  if (r.drainSeconds === null) problems.push('the backlog never drained');
  if (Object.keys(r.outsideOther).some((s) => s !== '429')) problems.push(`answers other than 202/429 outside the outage: ${counts(r.outsideOther)}`);
  if (r.unexpectedExits.length > 0) problems.push(`unexpected exits: ${r.unexpectedExits.join('; ')}`);
  const rows: [string, string][] = [
    ['outage (connections refused + sessions terminated)', `${fmt(r.options.outageMs / 1000)} s`],
    ['at the cut: records queued, chunk jobs running', `${fmt(r.atCut.queued, 0)}, ${r.atCut.jobsLocked}`],
    ['ingest answers while it was away', counts(r.during.statuses)],
    ['… answer time p50 / max, ms', `${fmt(r.during.p50Ms, 0)} / ${fmt(r.during.maxMs, 0)}`],
    ['ingest answers other than 202 before and after', counts(r.outsideOther)],
    ['first 202 after it came back, ms', fmt(r.ingestBackMs, 0)],
    ['first record finished by the worker after it came back, ms', fmt(r.workerBackMs, 0)],
    ['backlog drained after the last ingest answer, s', fmt(r.drainSeconds)],
    ...(r.restart ? ([['the worker had died: a new one started by the bench drained the backlog in, s', fmt(r.restart.drainedSeconds)]] as [string, string][]) : []),
    ...accountingRows(r.accounting),
  ];
  return { rows, problems };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function table(rows: [string, string][]): string {
  return ['| figure | value |', '| --- | ---: |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

async function withTarget<T>(concurrency: number, body: (t: ChaosTarget) => Promise<T>): Promise<T> {
  const target = await startTarget(concurrency);
  const stop = () => {
    void stopTarget(target).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await body(target);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await stopTarget(target);
  }
}

async function main(): Promise<void> {
  const o = options();
  const machine = describeMachine();
  const pgVersion = await postgresVersion();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const started = new Date();
  const sections: string[] = [];
  const problems: string[] = [];
  const log = (line: string) => console.log(line);

  if (o.only !== 'outage') {
    console.log(`kill loop: ${o.records} orders, ${o.kills} kills of the worker…`);
    const result = await withTarget(o.workerConcurrency, (t) =>
      killLoop(t, { records: o.records, batchSize: 500, inFlight: 4, kills: o.kills, killWithinMs: [0, 300], drainTimeoutMs: 300_000 }, log),
    );
    const { rows, problems: p } = killRows(result);
    console.log(table(rows));
    problems.push(...p.map((x) => `kill loop: ${x}`));
    sections.push(
      `### kill -9 the worker, ${result.kills.length} times during a ${fmt(o.records, 0)}-record run\n\n` +
        `${result.kills.length} rounds, each: wait until the previous kill has settled (its jobs released, the backlog processed), send a burst of ` +
        `${fmt(Math.ceil(o.records / Math.max(1, o.kills)), 0)} orders (JSON arrays of 500, 4 requests in flight), wait until the worker holds chunk jobs, and SIGKILL it ` +
        `at a random moment 0–300 ms later (mid-chunk, mid-sink write, mid-commit, or idle when it was quicker); a new worker is started at once. ` +
        `The dead worker's locked jobs wait for the reaper (a worker silent for 15 s is dead).\n\n${table(rows)}\n\n` +
        `Result: ${p.length === 0 ? 'every accepted record was delivered exactly once or dead-lettered' : `**${p.join('; ')}**`}.`,
    );
  }

  if (o.only !== 'kills') {
    console.log(`database outage: ${o.outageRecords} orders, the database away for ${o.outageSeconds} s…`);
    const result = await withTarget(o.workerConcurrency, (t) =>
      databaseOutage(
        t,
        {
          records: o.outageRecords,
          batchSize: 200,
          paceMs: 150,
          burst: 10_000,
          outageAfterMs: 5_000,
          outageMs: o.outageSeconds * 1000,
          probeEveryMs: 500,
          drainTimeoutMs: 300_000,
        },
        log,
      ),
    );
    const { rows, problems: p } = outageRows(result);
    console.log(table(rows));
    if (result.notes.length > 0) console.log(`error lines from the processes:\n${result.notes.join('\n')}`);
    problems.push(...p.map((x) => `outage: ${x}`));
    sections.push(
      `### The database away for ${o.outageSeconds} s in the middle of a run\n\n` +
        `The shared Postgres is not restarted (other users): \`ALTER DATABASE … ALLOW_CONNECTIONS false\` and \`pg_terminate_backend\` for its sessions, then allowed again. ` +
        `${fmt(o.outageRecords, 0)} orders in arrays of 200, one request at a time every ~150 ms, and 5 s in a burst of 10,000 (arrays of 1,000, 4 in flight) so that the worker is busy at the cut, which follows the burst at once; ` +
        `while refused, the client asks again every 500 ms. ` +
        `Nothing is restarted: the server and the worker must reconnect by themselves.\n\n${table(rows)}\n\n` +
        `Result: ${p.length === 0 ? 'ingest answered 503 while the database was away, both processes reconnected, nothing was lost' : `**${p.join('; ')}**`}.`,
    );
  }

  const header =
    `## Chaos — ${started.toISOString()}\n\n` +
    `\`npm run bench:chaos -w bench\` (bench/src/chaos/). Machine: ${machine.cores} cores, ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; ` +
    `1-minute load average at the start ${machine.loadAverage.toFixed(2)} (shared with other work). Versions: node ${process.version}, PostgreSQL ${pgVersion}, commit ${commit} (with uncommitted work of the day). ` +
    `One \`--role=server\` and one \`--role=worker\` process (worker concurrency ${o.workerConcurrency}), LOG_LEVEL=warn, a fresh database per scenario; ` +
    `the orders flow (webhook → map → rules → mask → Postgres sink), 1 order in 10 dead-lettered by the rule. Counts come from the tables (sink rows by record id, dead letters), ` +
    `compared with the ids the 202 answers gave.`;
  const text = `${header}\n\n${sections.join('\n\n')}\n`;
  if (o.record) {
    appendFileSync(path.join(REPO_ROOT, 'bench', 'RESULTS.md'), `\n${text}`);
    console.log('appended to bench/RESULTS.md');
  }
  if (problems.length > 0) {
    console.error(`\nFAILED:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nchaos: nothing lost, nothing doubled');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
