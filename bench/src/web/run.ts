// `npm run bench:web -w bench [-- --opens 5 …]`: the editor of issue #3 in headless Chromium against a
// real Sluice (role all, fresh database): open time of a 200-node flow, frames/s while panning, and
// the renderer's main-thread time while a 50-node flow's live numbers arrive. Prints a table and
// appends a section to bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Graph } from '@sluice/shared';
import { describeMachine, median, type Machine } from '../measure.js';
import { createDatabase, postgresVersion, REPO_ROOT, startWorker, type Client, type SluiceProcess } from '../sluice.js';
import { launchChromium, NO_EDGE_ANIMATION, openEditor, openUntilInteractive, panCanvas, VIEWPORT, watchLive, type LiveResult, type OpenTiming, type PanResult } from './editor.js';
import { fanOutFlow, middleNode } from './flows.js';
import { ensureWebBuild, startAllInOne } from './target.js';
import { wholeNumberFlags } from '../flags.js';

const USAGE = `usage: npm run bench:web -w bench -- [options]
  --opens N            opens of the 200-node flow (default 5)
  --pans N             pan runs (default 3)
  --pan-seconds N      drag time per pan run (default 2)
  --live-runs N        runs of each live case (default 3)
  --live-seconds N     measured time per live run (default 10)
  --feed-records N     records per ingest request while feeding (default 50)
  --feed-every-ms N    one ingest request this often (default 125: 400 records/s)
  --workers N          extra --role=worker processes for the 2 Hz case (default 1)
  --no-record          print only; do not append to bench/RESULTS.md`;

/** The targets of issue #3 (done-means 3). */
const TARGETS = { openMs: 2_000, panFps: 30, liveMainThread: 0.2, statsPerSecond: 2 } as const;
/** Sizes of the two generated flows. */
const BIG = { nodes: 200, chains: 12, sharedSink: false } as const;
const LIVE = { nodes: 50, chains: 4, sharedSink: true } as const;
/** Time a live run lets the editor settle (stats arriving, edges animating) before measuring. */
const WARMUP_SECONDS = 3;
/** The whole bench is stopped (and cleaned up) after this long. */
const DEADLINE_MS = 15 * 60_000;
const RESULTS = path.join(REPO_ROOT, 'bench/RESULTS.md');

interface Options {
  opens: number;
  pans: number;
  panSeconds: number;
  liveRuns: number;
  liveSeconds: number;
  feedRecords: number;
  feedEveryMs: number;
  workers: number;
  record: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      opens: { type: 'string', default: '5' },
      pans: { type: 'string', default: '3' },
      'pan-seconds': { type: 'string', default: '2' },
      'live-runs': { type: 'string', default: '3' },
      'live-seconds': { type: 'string', default: '10' },
      'feed-records': { type: 'string', default: '50' },
      'feed-every-ms': { type: 'string', default: '125' },
      workers: { type: 'string', default: '1' },
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
    opens: int('opens', values.opens, 1, 50),
    pans: int('pans', values.pans, 1, 20),
    panSeconds: int('pan-seconds', values['pan-seconds'], 1, 30),
    liveRuns: int('live-runs', values['live-runs'], 1, 20),
    liveSeconds: int('live-seconds', values['live-seconds'], 2, 120),
    feedRecords: int('feed-records', values['feed-records'], 1, 5000),
    feedEveryMs: int('feed-every-ms', values['feed-every-ms'], 20, 10_000),
    workers: int('workers', values.workers, 0, 8),
    record: !values['no-record'],
  };
}

/** What must be undone, newest first: the browser, the feeder, the processes, the pool, the database. */
class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      const { what, run } = step;
      await run().catch((err: unknown) => console.error(`bench:web: could not ${what}: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

/** Creates a flow and checks it with POST /api/flows/:id/validate; returns its id. */
async function createFlow(client: Client, graph: Graph): Promise<string> {
  const { id } = (await client.json('POST', '/api/flows', graph, 201)) as { id: string };
  const checked = (await client.json('POST', `/api/flows/${id}/validate`, undefined, 200)) as { ok: boolean; errors: unknown[] };
  if (!checked.ok) throw new Error(`the generated flow "${graph.name}" does not validate: ${JSON.stringify(checked.errors).slice(0, 1000)}`);
  return id;
}

/** Posts `records` records to a flow every `everyMs` until stopped; counts what was not answered 202. */
function startFeeder(client: Client, flowId: string, records: number, everyMs: number): { stop(): Promise<{ requests: number; refused: number }> } {
  let running = true;
  let requests = 0;
  let refused = 0;
  let next = 0;
  const loop = (async () => {
    const t0 = performance.now();
    while (running) {
      const batch = Array.from({ length: records }, () => ({ id: `r-${next}`, n: next++ }));
      requests += 1;
      try {
        const answer = await client.request('POST', `/api/flows/${flowId}/ingest`, JSON.stringify(batch));
        if (answer.status !== 202) refused += 1;
      } catch {
        refused += 1;
      }
      const wait = t0 + requests * everyMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { requests, refused };
    },
  };
}

interface LiveCase {
  label: string;
  runs: LiveResult[];
  /** Ingest requests made / not answered 202 while the case ran; null without traffic. */
  feed: { requests: number; refused: number } | null;
}

interface Results {
  chromium: string;
  opens: OpenTiming[];
  pans: PanResult[];
  live: { idle: LiveCase; oneProcess: LiveCase; withWorkers: LiveCase; noEdgeAnimation: LiveCase };
}

async function measure(options: Options, cleanup: Cleanup): Promise<Results> {
  const db = await createDatabase();
  cleanup.add(`drop database ${db.name}`, () => db.drop());
  const sluice = await startAllInOne(db.url);
  cleanup.add('stop Sluice', async () => {
    sluice.client.close();
    await sluice.process.stop();
  });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {}); // the database is dropped under it at the end
  cleanup.add('close the bench pool', () => pool.end());
  const browser = await launchChromium();
  cleanup.add('close Chromium', () => browser.close());
  const { client, baseUrl } = sluice;

  // 1. Open a 200-node flow until a click opens a node's settings.
  const big = fanOutFlow(`editor bench ${BIG.nodes} nodes`, BIG);
  const bigId = await createFlow(client, big);
  const clickId = middleNode(big);
  const opens: OpenTiming[] = [];
  for (let i = 1; i <= options.opens; i++) {
    const open = await openUntilInteractive(browser, baseUrl, bigId, BIG.nodes, clickId);
    console.log(`open ${i}: ${ms(open.totalMs)} ms (all ${BIG.nodes} nodes shown at ${ms(open.nodesMs)} ms, settings ${ms(open.clickMs)} ms after the click)`);
    opens.push(open);
  }

  // 2. Pan the same flow, fitted to the window.
  const pans: PanResult[] = [];
  for (let i = 1; i <= options.pans; i++) {
    const editor = await openEditor(browser, baseUrl, bigId, BIG.nodes);
    try {
      const pan = await panCanvas(editor.page, options.panSeconds);
      console.log(`pan ${i}: ${pan.fps.toFixed(1)} frames/s (longest frame ${ms(pan.longestFrameMs)} ms, ${pan.moves} mouse moves)`);
      pans.push(pan);
    } finally {
      await editor.close();
    }
  }

  // 3. Live numbers of a deployed 50-node flow: no traffic, traffic through one process, traffic through more workers.
  const liveGraph = fanOutFlow(`editor bench live ${LIVE.nodes} nodes`, LIVE);
  const liveId = await createFlow(client, liveGraph);
  await client.json('POST', `/api/flows/${liveId}/deploy`, undefined, 200);
  const processes: SluiceProcess[] = [sluice.process];
  const died = () => Promise.race(processes.map((p) => p.died));
  const liveRuns = async (label: string, style?: string): Promise<LiveResult[]> => {
    const runs: LiveResult[] = [];
    for (let i = 1; i <= options.liveRuns; i++) {
      const editor = await openEditor(browser, baseUrl, liveId, LIVE.nodes);
      try {
        if (style) await editor.page.addStyleTag({ content: style });
        const live = await Promise.race([watchLive(editor, { seconds: options.liveSeconds, warmupSeconds: WARMUP_SECONDS, sluicePids: processes.map((p) => p.pid) }), died()]);
        console.log(`${label} ${i}: main thread ${pct(live.mainThread)} of a core, ${rate(live.statsPerSecond)} stats events/s, ${live.animatedEdges} animated edges, Chromium ${cores(live.chromiumCores)} cores`);
        runs.push(live);
      } finally {
        await editor.close();
      }
    }
    return runs;
  };
  const fed = async (label: string, style?: string): Promise<LiveCase> => {
    const feeder = startFeeder(client, liveId, options.feedRecords, options.feedEveryMs);
    cleanup.add('stop feeding records', async () => void (await feeder.stop()));
    await new Promise((r) => setTimeout(r, 2_000)); // stats start flowing before the first page opens
    const runs = await liveRuns(label, style);
    return { label, runs, feed: await feeder.stop() };
  };

  const idle: LiveCase = { label: 'no traffic', runs: await liveRuns('live, no traffic'), feed: null };
  const oneProcess = await fed('live, role all only');
  const workers: SluiceProcess[] = [];
  cleanup.add('stop the extra workers', async () => void (await Promise.all(workers.map((w) => w.stop()))));
  for (let i = 0; i < options.workers; i++) {
    const worker = await startWorker(db.url, pool);
    workers.push(worker);
    processes.push(worker);
  }
  const plus = `role all + ${options.workers} worker${options.workers === 1 ? '' : 's'}`;
  const withWorkers = await fed(`live, ${plus}`);
  // Diagnosis: the same, with the edges' dash animation stopped by an injected style.
  const noEdgeAnimation = await fed(`live, ${plus}, edge animation off`, NO_EDGE_ANIMATION);
  const chromium = browser.version();
  await cleanup.runAll();
  return { chromium, opens, pans, live: { idle, oneProcess, withWorkers, noEdgeAnimation } };
}

// ---- reporting ----

const ms = (n: number) => n.toFixed(0);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const cores = (x: number) => x.toFixed(2);
const rate = (x: number) => x.toFixed(2);

interface Row {
  label: string;
  values: number[];
  show: (n: number) => string;
  target?: { text: string; met: (median: number) => boolean };
}

function editorRows(r: Results): Row[] {
  return [
    { label: `open the ${BIG.nodes}-node flow until a node's settings open, ms`, values: r.opens.map((o) => o.totalMs), show: ms, target: { text: `< ${TARGETS.openMs.toLocaleString('en-US')}`, met: (m) => m < TARGETS.openMs } },
    { label: `… until all ${BIG.nodes} nodes are shown, ms`, values: r.opens.map((o) => o.nodesMs), show: ms },
    { label: '… from the click to the settings panel, ms', values: r.opens.map((o) => o.clickMs), show: ms },
    { label: `pan the fitted ${BIG.nodes}-node flow, frames/s`, values: r.pans.map((p) => p.fps), show: (n) => n.toFixed(1), target: { text: `≥ ${TARGETS.panFps}`, met: (m) => m >= TARGETS.panFps } },
    { label: '… longest frame while panning, ms', values: r.pans.map((p) => p.longestFrameMs), show: ms },
    { label: '… 95th percentile frame while panning, ms', values: r.pans.map((p) => p.p95FrameMs), show: ms },
  ];
}

const line = (cells: string[]) => `| ${cells.join(' | ')} |`;

function editorTable(r: Results): string {
  return [
    line(['figure', 'runs', 'median', 'target', 'result']),
    line(['---', '---:', '---:', '---:', '---']),
    ...editorRows(r).map((row) => {
      const m = median(row.values);
      return line([row.label, row.values.map(row.show).join(', '), row.show(m), row.target?.text ?? '', row.target ? (row.target.met(m) ? 'met' : '**missed**') : '']);
    }),
  ].join('\n');
}

/** The stats rate counts as 2 Hz within 5%: events come from two 1 s flush timers, and a window catches them with some jitter. */
const rateReached = (eventsPerSecond: number) => eventsPerSecond >= TARGETS.statsPerSecond * 0.95;

/** One row per live case: medians of its runs, the main-thread share of each run, and the target on the case it applies to. */
function liveTable(r: Results, options: Options): string {
  const plus = `role all + ${options.workers} worker${options.workers === 1 ? '' : 's'}`;
  const cases: { name: string; c: LiveCase; target: boolean }[] = [
    { name: 'no traffic', c: r.live.idle, target: false },
    { name: 'traffic, role all only', c: r.live.oneProcess, target: false },
    { name: `traffic, ${plus}`, c: r.live.withWorkers, target: true },
    { name: `traffic, ${plus}, edge dash animation off (diagnosis)`, c: r.live.noEdgeAnimation, target: false },
  ];
  const m = (c: LiveCase, f: (x: LiveResult) => number) => median(c.runs.map(f));
  return [
    line(['live 50-node flow', 'stats events/s', 'animated edges', 'main thread, runs', 'main thread, median', '… JS', '… style', '… layout', 'Chromium, cores', 'Sluice, cores', `machine, cores of ${describeMachine().cores}`, 'target', 'result']),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
    ...cases.map(({ name, c, target }) => {
      const busy = m(c, (x) => x.mainThread);
      const events = m(c, (x) => x.statsPerSecond);
      const result = !target ? '' : !rateReached(events) ? '**not at 2 Hz**' : busy < TARGETS.liveMainThread ? 'met' : '**missed**';
      return line([
        name,
        rate(events),
        m(c, (x) => x.animatedEdges).toFixed(0),
        c.runs.map((x) => pct(x.mainThread)).join(', '),
        pct(busy),
        pct(m(c, (x) => x.script)),
        pct(m(c, (x) => x.style)),
        pct(m(c, (x) => x.layout)),
        cores(m(c, (x) => x.chromiumCores)),
        cores(m(c, (x) => x.sluiceCores)),
        cores(m(c, (x) => x.machineCores)),
        target ? `< ${pct(TARGETS.liveMainThread)} at ${TARGETS.statsPerSecond} Hz` : '',
        result,
      ]);
    }),
  ].join('\n');
}

function verdict(r: Results, options: Options): string[] {
  const open = median(r.opens.map((o) => o.totalMs));
  const fps = median(r.pans.map((p) => p.fps));
  const live = (c: LiveCase) => ({ busy: median(c.runs.map((x) => x.mainThread)), events: median(c.runs.map((x) => x.statsPerSecond)) });
  const fed = live(r.live.withWorkers);
  const word = (met: boolean) => (met ? '**met**' : '**missed**');
  return [
    `- Open a ${BIG.nodes}-node flow and open a node's settings in under ${TARGETS.openMs.toLocaleString('en-US')} ms: ${word(open < TARGETS.openMs)}, median ${ms(open)} ms of ${r.opens.length} opens.`,
    `- Panning at ≥ ${TARGETS.panFps} frames/s: ${word(fps >= TARGETS.panFps)}, median ${fps.toFixed(1)} frames/s of ${r.pans.length} runs.`,
    `- Live updates of ${LIVE.nodes} nodes at ${TARGETS.statsPerSecond} Hz under ${pct(TARGETS.liveMainThread)} of a core: ` +
      `${rateReached(fed.events) ? word(fed.busy < TARGETS.liveMainThread) : '**not measured at 2 Hz**'}, median ${pct(fed.busy)} of a core at ${rate(fed.events)} stats events/s ` +
      `(Sluice as role all + ${options.workers} worker process${options.workers === 1 ? '' : 'es'}; role all alone gave ${rate(live(r.live.oneProcess).events)} events/s at ${pct(live(r.live.oneProcess).busy)}). ` +
      `No traffic: ${pct(live(r.live.idle).busy)}. With the edges' dash animation stopped by an injected style: ${pct(live(r.live.noEdgeAnimation).busy)}.`,
  ];
}

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
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/web', 'packages'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}, apps/web or packages changed since` : head;
  } catch {
    return 'unknown';
  }
}

interface Versions {
  chromium: string;
  node: string;
  playwright: string;
  reactFlow: string;
  react: string;
  postgres: string;
  commit: string;
  webBuiltAt: string;
}

function section(options: Options, machine: Machine, v: Versions, r: Results): string {
  const feed = (c: LiveCase) => (c.feed ? `${c.feed.requests} ingest requests, ${c.feed.refused} not answered 202` : 'no traffic');
  return [
    `## Editor (issue #3) — ${new Date().toISOString()}`,
    '',
    '`npm run bench:web -w bench` (bench/src/web/run.ts; bench/README.md, "Editor", says how it measures).',
    '',
    `- Machine: ${machine.cores} cores (nproc), ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory; 1-minute load average ${machine.loadAverage.toFixed(2)} at the start, ${describeMachine().loadAverage.toFixed(2)} at the end. ` +
      'Chromium, Sluice and Postgres share these cores.',
    `- Versions: Chromium ${v.chromium} (Debian, headless, --disable-gpu: software compositing), node ${v.node}, @playwright/test ${v.playwright}, @xyflow/react ${v.reactFlow}, React ${v.react}, ` +
      `PostgreSQL ${v.postgres}; commit ${v.commit}; apps/web/dist built ${v.webBuiltAt}.`,
    `- Setup: one \`--role=all\` Sluice process, LOG_LEVEL=warn, fresh database; window ${VIEWPORT.width}×${VIEWPORT.height} px. ` +
      `Opens: a fresh browser context each (no cache), ${BIG.nodes}-node flow (webhook → ${BIG.chains} chains of map/rules/filter → a log sink each). ` +
      `Pans: ${options.panSeconds} s of mouse drag on the fitted flow. ` +
      `Live: the deployed ${LIVE.nodes}-node flow (webhook → ${LIVE.chains} chains of 12 → one log sink), ${options.liveSeconds} s measured after ${WARMUP_SECONDS} s; ` +
      `traffic ${options.feedRecords} records every ${options.feedEveryMs} ms (${Math.round((options.feedRecords * 1000) / options.feedEveryMs)} records/s); ` +
      `role all only: ${feed(r.live.oneProcess)}; with ${options.workers} extra worker${options.workers === 1 ? '' : 's'}: ${feed(r.live.withWorkers)}.`,
    '',
    editorTable(r),
    '',
    liveTable(r, options),
    '',
    'Against the targets of issue #3 (medians):',
    '',
    ...verdict(r, options),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const machine = describeMachine();
  const web = ensureWebBuild();
  const cleanup = new Cleanup();
  let stopping = false;
  const stop = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`\nbench:web: ${why}: closing Chromium, stopping Sluice, dropping the database…`);
    void cleanup.runAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
  const deadline = setTimeout(() => stop(`still running after ${DEADLINE_MS / 60_000} minutes`, 1), DEADLINE_MS);
  deadline.unref();

  console.log(`Sluice editor bench on ${machine.cores} cores (${machine.model}), node ${process.version}, load average ${machine.loadAverage.toFixed(2)}`);
  let results: Results;
  try {
    results = await measure(options, cleanup);
  } catch (err) {
    if (!stopping) {
      console.error(`bench:web failed: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof Error && err.cause instanceof Error) console.error(`  cause: ${err.cause.message}`);
      await cleanup.runAll();
    }
    process.exitCode = 1;
    return;
  } finally {
    clearTimeout(deadline);
  }

  const v: Versions = {
    chromium: results.chromium,
    node: process.version,
    playwright: packageVersion('node_modules/@playwright/test/package.json'),
    reactFlow: packageVersion('node_modules/@xyflow/react/package.json'),
    react: packageVersion('node_modules/react/package.json'),
    postgres: await postgresVersion(),
    commit: commit(),
    webBuiltAt: `${web.builtAt.toISOString()}${web.builtNow ? ' (by this run)' : ''}`,
  };
  console.log(`\n${editorTable(results)}\n\n${liveTable(results, options)}\n\n${verdict(results, options).join('\n')}\n`);
  if (options.record) {
    appendFileSync(RESULTS, `\n${section(options, machine, v, results)}`);
    console.log(`appended to ${path.relative(REPO_ROOT, RESULTS)}`);
  }
}

await main();
