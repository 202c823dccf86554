// The editor in headless Chromium: how long a flow takes to open until a node's settings can be
// opened, frames/s while the canvas is dragged, and the renderer's main-thread time while live
// numbers arrive. The functions passed to page.evaluate run in the page, hence the DOM types.
/// <reference lib="dom" />
import { BENCH_ADMIN } from '../sluice.js';
import { readdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type WebSocket } from '@playwright/test';
import { cpuSeconds, machineCpuSeconds, percentile } from '../measure.js';

/** Debian's Chromium; the flags keep it from phoning home or updating during a run. */
const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] };
/** The e2e tests' window size. */
export const VIEWPORT = { width: 1440, height: 900 };
/** Longest wait for any one thing in the page (a page that never renders must not hang the bench). */
const WAIT_MS = 30_000;
/** A flow node's card: FlowNode's root `data-testid="node-<id>"`, the child of React Flow's wrapper (node-settings, node-counts-… are elsewhere). */
const NODE_CARD = '.react-flow__node > [data-testid^="node-"]';

/** The bench's own signal handlers close the browser, in turn with the rest of the clean-up. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ ...CHROMIUM, timeout: WAIT_MS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

async function newContext(browser: Browser, baseUrl: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: VIEWPORT });
  context.setDefaultTimeout(WAIT_MS);
  // The context's request API shares its cookie jar: signing in here signs the pages in.
  const login = await context.request.post('/api/auth/login', { data: BENCH_ADMIN });
  if (login.status() !== 200) throw new Error(`the bench could not sign in to the editor: ${login.status()}`);
  return context;
}

/** Resolves once `count` node cards are in the DOM and React Flow has measured (shown) every one. */
async function nodesVisible(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    ({ selector, count }) => {
      const cards = document.querySelectorAll(selector);
      return cards.length === count && Array.from(cards).every((card) => card.parentElement?.style.visibility !== 'hidden');
    },
    { selector: NODE_CARD, count },
    { polling: 'raf', timeout: WAIT_MS },
  );
}

/** Waits until the viewport's transform has not changed for `quietMs` (fitView is done). */
async function viewportSettled(page: Page, quietMs = 500): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last = '';
  let since = Date.now();
  for (;;) {
    const now = await page.evaluate(() => document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
    if (Date.now() > deadline) throw new Error('the canvas viewport kept moving');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface OpenTiming {
  /** page.goto → every node shown → settings panel open after a click on `clickNodeId`. */
  totalMs: number;
  /** page.goto → every node shown. */
  nodesMs: number;
  /** The click until the settings panel showed. */
  clickMs: number;
}

/** One open of `/flows/<id>` in a fresh browser context (nothing cached), timed from page.goto. */
export async function openUntilInteractive(browser: Browser, baseUrl: string, flowId: string, nodeCount: number, clickNodeId: string): Promise<OpenTiming> {
  const context = await newContext(browser, baseUrl);
  try {
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`/flows/${flowId}`, { waitUntil: 'commit' });
    await nodesVisible(page, nodeCount);
    const t1 = performance.now();
    await page.locator(`[data-testid="node-${clickNodeId}"]`).click();
    await page.locator('[data-testid="node-settings"]').waitFor({ state: 'visible' });
    const t2 = performance.now();
    return { totalMs: t2 - t0, nodesMs: t1 - t0, clickMs: t2 - t1 };
  } finally {
    await context.close();
  }
}

export interface OpenEditor {
  page: Page;
  /** When (performance.now() in this process) each socket.io `stats` frame arrived since the page opened. */
  statsFrames: number[];
  close(): Promise<void>;
}

/** Opens the editor on a flow and waits until every node shows and fitView has settled. */
export async function openEditor(browser: Browser, baseUrl: string, flowId: string, nodeCount: number): Promise<OpenEditor> {
  const context = await newContext(browser, baseUrl);
  try {
    const page = await context.newPage();
    const statsFrames: number[] = [];
    page.on('websocket', (ws: WebSocket) => {
      ws.on('framereceived', ({ payload }) => {
        // socket.io v4 over engine.io: "42" then the JSON array [event, payload].
        if (typeof payload === 'string' && payload.startsWith('42["stats"')) statsFrames.push(performance.now());
      });
    });
    await page.goto(`/flows/${flowId}`);
    await nodesVisible(page, nodeCount);
    await viewportSettled(page);
    return { page, statsFrames, close: () => context.close() };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/** Frame timestamps (rAF), kept on the page's window between two page.evaluate calls. */
interface FrameCounter {
  times: number[];
  running: boolean;
  tick?: (t: number) => void;
}
interface BenchWindow extends Window {
  sluiceBenchFrames?: FrameCounter;
}

export interface PanResult {
  fps: number;
  /** Longest time between two frames, ms. */
  longestFrameMs: number;
  p95FrameMs: number;
  /** Mouse moves dispatched (each waits for the page to take it). */
  moves: number;
  seconds: number;
}

/**
 * Drags the empty canvas for `seconds` in small steps (one mouse move per ~16 ms, to and fro over
 * ±160 × ±60 px) while the page counts requestAnimationFrame callbacks.
 */
export async function panCanvas(page: Page, seconds: number): Promise<PanResult> {
  // A point of the pane itself, nearest the middle: mouse down on a node or an edge would drag that instead.
  const start = await page.evaluate(() => {
    const pane = document.querySelector('.react-flow__pane');
    if (!pane) return null;
    const r = pane.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    for (let radius = 0; radius < Math.max(r.width, r.height) / 2; radius += 8) {
      for (let a = 0; a < 16; a++) {
        const x = cx + radius * Math.cos((a * Math.PI) / 8);
        const y = cy + radius * Math.sin((a * Math.PI) / 8);
        if (document.elementFromPoint(x, y) === pane) return { x, y };
      }
    }
    return null;
  });
  if (!start) throw new Error('found no empty spot of the canvas pane to drag');

  await page.evaluate(() => {
    const w: BenchWindow = window;
    const counter: FrameCounter = { times: [], running: true };
    // Assigned to a property, not declared (`const tick = …`) nor in the literal: tsx (esbuild
    // keepNames) wraps those in __name(), which does not exist in the page.
    counter.tick = (t: number) => {
      if (!counter.running || !counter.tick) return;
      counter.times.push(t);
      requestAnimationFrame(counter.tick);
    };
    requestAnimationFrame(counter.tick);
    w.sluiceBenchFrames = counter;
  });
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const t0 = performance.now();
  let moves = 0;
  // A triangle wave: right and back in x, down and back in y, once a second, so the flow stays in view.
  const wave = (t: number, period: number) => 1 - Math.abs(((t / period) % 2) - 1) * 2;
  for (let t = 0; t < seconds * 1000; t = performance.now() - t0) {
    await page.mouse.move(start.x + 160 * wave(t, 500), start.y + 60 * wave(t, 500));
    moves += 1;
    const next = t0 + moves * 16;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const times = await page.evaluate(() => {
    const w: BenchWindow = window;
    const counter = w.sluiceBenchFrames;
    if (!counter) return [];
    counter.running = false;
    return counter.times;
  });
  await page.mouse.up();
  if (times.length < 2) throw new Error('the page drew no frames while the canvas was dragged');
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const spanMs = times.at(-1)! - times[0]!;
  return { fps: gaps.length / (spanMs / 1000), longestFrameMs: Math.max(...gaps), p95FrameMs: percentile(gaps, 0.95), moves, seconds: spanMs / 1000 };
}

/** The Chromium processes this bench started: the browser (a child of this process) and all its descendants. */
function chromiumPids(): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      names.set(Number(entry), name);
    } catch {
      // the process ended while we looked
    }
  }
  const found = [...parents].filter(([pid, ppid]) => ppid === process.pid && /chrom/i.test(names.get(pid) ?? '')).map(([pid]) => pid);
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i] && !found.includes(pid)) found.push(pid);
  return found;
}

/**
 * A style that stops React Flow's dash animation of `animated` edges (style.css of @xyflow/react:
 * `animation: dashdraw 0.5s linear infinite`), for the diagnosis runs: the edges keep their dashes
 * and colour, only the per-frame animation goes.
 */
export const NO_EDGE_ANIMATION = '.react-flow__edge.animated path { animation: none !important; }';

const sumCpu = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);

export interface LiveResult {
  /** The renderer's main thread: TaskDuration grown / wall time (1 = one core busy). */
  mainThread: number;
  /** The same, split: JavaScript, style recalculation, layout (the rest is paint, GC outside scripts, idle tasks). */
  script: number;
  style: number;
  layout: number;
  /** socket.io `stats` frames per second over the window: (frames − 1) / time from the first to the last. */
  statsPerSecond: number;
  /** Edges React Flow drew as animated (class `animated`) at the end of the window. */
  animatedEdges: number;
  /** All Chromium processes (browser, renderer, GPU/compositor, utilities), cores, from /proc. */
  chromiumCores: number;
  /** The Sluice processes, cores, from /proc. */
  sluiceCores: number;
  /** The whole machine, busy cores. */
  machineCores: number;
  seconds: number;
}

type Metrics = Map<string, number>;

async function metrics(cdp: CDPSession): Promise<Metrics> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return new Map(metrics.map((m) => [m.name, m.value]));
}

/**
 * Watches an open editor for `seconds` after `warmupSeconds`: the renderer's main-thread time from
 * CDP Performance metrics, the stats frames its socket.io websocket received, and CPU from /proc.
 */
export async function watchLive(editor: OpenEditor, options: { seconds: number; warmupSeconds: number; sluicePids: readonly number[] }): Promise<LiveResult> {
  const cdp = await editor.page.context().newCDPSession(editor.page);
  try {
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    await new Promise((r) => setTimeout(r, options.warmupSeconds * 1000));
    const chromium = chromiumPids();
    const m0 = await metrics(cdp);
    const w0 = performance.now();
    const machine0 = machineCpuSeconds().busy;
    const chromium0 = sumCpu(chromium);
    const sluice0 = sumCpu(options.sluicePids);
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    const m1 = await metrics(cdp);
    const w1 = performance.now();
    const seconds = (w1 - w0) / 1000;
    const wall = (m1.get('Timestamp') ?? 0) - (m0.get('Timestamp') ?? 0);
    if (!(wall > 0)) throw new Error('CDP Performance.getMetrics gave no Timestamp');
    const share = (name: string) => ((m1.get(name) ?? 0) - (m0.get(name) ?? 0)) / wall;
    const frames = editor.statsFrames.filter((t) => t >= w0 && t <= w1);
    const animatedEdges = await editor.page.locator('.react-flow__edge.animated').count();
    return {
      mainThread: share('TaskDuration'),
      script: share('ScriptDuration'),
      style: share('RecalcStyleDuration'),
      layout: share('LayoutDuration'),
      statsPerSecond: frames.length < 2 ? 0 : (frames.length - 1) / ((frames.at(-1)! - frames[0]!) / 1000),
      animatedEdges,
      chromiumCores: (sumCpu(chromium) - chromium0) / seconds,
      sluiceCores: (sumCpu(options.sluicePids) - sluice0) / seconds,
      machineCores: (machineCpuSeconds().busy - machine0) / seconds,
      seconds,
    };
  } finally {
    await cdp.detach().catch(() => {});
  }
}
