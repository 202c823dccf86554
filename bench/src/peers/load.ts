// The loads, driven the same way against either system: single-record requests from many keep-alive
// clients, batches with a few requests in flight, and a run with SIGKILLs that counts what was lost.
import { readdirSync, readFileSync } from 'node:fs';
import { makeOrders, type Order } from '../../../apps/server/test/fixtures.js';
import { cpuSeconds, machineCpuSeconds, percentile, RssSampler } from '../measure.js';
import { Client } from '../sluice.js';
import type { Sink, System } from './systems.js';

/** The flow's rule, checked on the order itself: total = Σ price × qty (to the cent). */
export const isValidOrder = (o: Order) => Math.abs(o.total - o.items.reduce((s, it) => s + it.price * it.qty, 0)) <= 0.01;

/** Node-RED's answer to an order that fails the rule; Sluice accepts it and dead-letters it later. */
const REJECTED = 422;
/** Pause after a failed connection, so a refused port does not spin. */
const RETRY_PAUSE_MS = 50;
/** No load may run longer than this: every request loop here is bounded. */
const LOAD_DEADLINE_MS = 10 * 60_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface CpuCores {
  /** Busy cores of the whole machine. */
  machine: number;
  /** Cores used by each of the system's processes, by role. */
  byRole: Record<string, number>;
  /** The Postgres backends connected to the system's database. */
  postgres: number;
  /** This bench process: the clients. */
  client: number;
  /** Everything else: Postgres's own background processes, and other work on the machine. */
  other: number;
}

/** Pids of the Postgres backends connected to `database` (their title is "postgres: … <user> <database> <host>(<port>) …"). */
function backendPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** RSS peaks and CPU time of a system's processes, and of its database's backends, over one load. */
class Watch {
  private readonly start = performance.now();
  private readonly machine0 = machineCpuSeconds().busy;
  private readonly client0 = process.cpuUsage();
  private readonly procs: { role: string; pid: number; cpu0: number; rss: RssSampler }[];
  /** CPU seconds of each backend when first and last seen: one that connected mid-load counts from 0. */
  private readonly backends = new Map<number, { first: number; last: number }>();
  private readonly timer: NodeJS.Timeout;
  private readonly database: string;

  constructor(system: System) {
    this.database = system.databaseName;
    this.procs = system.processes().map((p) => ({ ...p, cpu0: cpuSeconds(p.pid) ?? 0, rss: new RssSampler(p.pid) }));
    this.sampleBackends(true);
    this.timer = setInterval(() => this.sampleBackends(false), 500);
    this.timer.unref();
  }

  private sampleBackends(atStart: boolean): void {
    for (const pid of backendPids(this.database)) {
      const cpu = cpuSeconds(pid);
      if (cpu === null) continue;
      const seen = this.backends.get(pid);
      if (seen) seen.last = cpu;
      else this.backends.set(pid, { first: atStart ? cpu : 0, last: cpu });
    }
  }

  end(): { rssPeak: Record<string, number>; cpu: CpuCores } {
    clearInterval(this.timer);
    this.sampleBackends(false);
    const seconds = (performance.now() - this.start) / 1000;
    const per = (x: number) => Math.max(0, x) / seconds;
    const rssPeak: Record<string, number> = {};
    const byRole: Record<string, number> = {};
    for (const p of this.procs) {
      rssPeak[p.role] = p.rss.peak();
      p.rss.stop();
      byRole[p.role] = per((cpuSeconds(p.pid) ?? p.cpu0) - p.cpu0);
    }
    let backendSeconds = 0;
    for (const b of this.backends.values()) backendSeconds += b.last - b.first;
    const postgres = per(backendSeconds);
    const c = process.cpuUsage(this.client0);
    const client = per((c.user + c.system) / 1e6);
    const machine = per(machineCpuSeconds().busy - this.machine0);
    const own = Object.values(byRole).reduce((a, b) => a + b, 0);
    return { rssPeak, cpu: { machine, byRole, postgres, client, other: Math.max(0, machine - own - postgres - client) } };
  }
}

export type LoadName = 'single' | 'batch100' | 'batch1000';

export interface LoadFigures {
  load: LoadName;
  /** Requests that got an answer (acknowledged or rejected by the rule). */
  answered: number;
  answeredPerSecond: number;
  /** Records acknowledged (Sluice 202, Node-RED 200). */
  acked: number;
  /** Acknowledged records that pass the rule: each must become one row. */
  expectedRows: number;
  rows: number;
  loadSeconds: number;
  /** From the first request until the rows were in the table. */
  endToEndSeconds: number;
  /** Rows in the table / end-to-end seconds. */
  rowsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** 429 answers (repeated after Retry-After). */
  throttled: number;
  /** Answers that were neither an acknowledgement, a rule rejection nor a 429, by status ("error": no answer). */
  failed: Record<string, number>;
  rssPeak: Record<string, number>;
  cpu: CpuCores;
}

interface Tally {
  latencies: number[];
  answered: number;
  acked: number;
  expectedRows: number;
  throttled: number;
  failed: Record<string, number>;
}

const newTally = (): Tally => ({ latencies: [], answered: 0, acked: 0, expectedRows: 0, throttled: 0, failed: {} });

async function finish(system: System, sink: Sink, load: LoadName, tally: Tally, watch: Watch, start: number, loadEnd: number): Promise<LoadFigures> {
  const done = sink.storedWhenAnswered ? loadEnd : await sink.settle();
  const { rssPeak, cpu } = watch.end();
  const rows = await sink.rows();
  const loadSeconds = (loadEnd - start) / 1000;
  const endToEndSeconds = (done - start) / 1000;
  return {
    load,
    answered: tally.answered,
    answeredPerSecond: tally.answered / loadSeconds,
    acked: tally.acked,
    expectedRows: tally.expectedRows,
    rows,
    loadSeconds,
    endToEndSeconds,
    rowsPerSecond: rows / endToEndSeconds,
    latencyP50Ms: percentile(tally.latencies, 0.5),
    latencyP99Ms: percentile(tally.latencies, 0.99),
    throttled: tally.throttled,
    failed: tally.failed,
    rssPeak,
    cpu,
  };
}

/**
 * `clients` keep-alive clients, each posting one order and waiting for the answer, for `seconds`:
 * the loop of `npm run bench`'s scenario B (src/scenarios.ts), which that file does not export.
 */
export async function singleRecordLoad(system: System, sink: Sink, options: { clients: number; seconds: number }): Promise<LoadFigures> {
  const orders = makeOrders(100_000, 's'); // reused round-robin; only counts are compared
  const bodies = orders.map((o) => JSON.stringify(o));
  const client = new Client(system.port, options.clients);
  const tally = newTally();
  let next = 0;
  const watch = new Watch(system);
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = next++ % orders.length;
      const t0 = performance.now();
      let status: number | 'error';
      try {
        status = (await client.request('POST', sink.path, bodies[i])).status;
      } catch {
        status = 'error';
      }
      if (status === sink.ackStatus || status === REJECTED) {
        tally.latencies.push(performance.now() - t0);
        tally.answered += 1;
        if (status === sink.ackStatus) {
          tally.acked += 1;
          if (isValidOrder(orders[i]!)) tally.expectedRows += 1;
        }
      } else {
        tally.failed[String(status)] = (tally.failed[String(status)] ?? 0) + 1;
        if (status === 'error') await pause(RETRY_PAUSE_MS);
      }
    }
  };
  try {
    await Promise.race([Promise.all(Array.from({ length: options.clients }, loop)), system.died()]);
  } finally {
    client.close();
  }
  return finish(system, sink, 'single', tally, watch, start, performance.now());
}

/** `records` orders as JSON arrays of `batchSize`, `inFlight` requests at a time; a 429 is repeated after its Retry-After. */
export async function batchedLoad(system: System, sink: Sink, options: { records: number; batchSize: number; inFlight: number }): Promise<LoadFigures> {
  const orders = makeOrders(options.records, `b${options.batchSize}`);
  const batches: { body: string; size: number; valid: number }[] = [];
  for (let i = 0; i < orders.length; i += options.batchSize) {
    const slice = orders.slice(i, i + options.batchSize);
    batches.push({ body: JSON.stringify(slice), size: slice.length, valid: slice.filter(isValidOrder).length });
  }
  const client = new Client(system.port, options.inFlight);
  const tally = newTally();
  let next = 0;
  const watch = new Watch(system);
  const start = performance.now();
  const send = async (): Promise<void> => {
    for (let i = next++; i < batches.length; i = next++) {
      const batch = batches[i]!;
      for (;;) {
        if (performance.now() - start > LOAD_DEADLINE_MS) throw new Error(`batched load still running after ${LOAD_DEADLINE_MS / 1000} s`);
        const t0 = performance.now();
        const answer = await client.request('POST', sink.path, batch.body);
        if (answer.status === sink.ackStatus) {
          tally.latencies.push(performance.now() - t0);
          tally.answered += 1;
          tally.acked += batch.size;
          tally.expectedRows += batch.valid;
          break;
        }
        if (answer.status !== 429) throw new Error(`${system.name} answered ${answer.status} to a batch: ${answer.body.slice(0, 300)}`);
        tally.throttled += 1;
        await pause(Number(answer.headers['retry-after'] ?? 1) * 1000);
      }
    }
  };
  try {
    await Promise.race([Promise.all(Array.from({ length: options.inFlight }, send)), system.died()]);
  } finally {
    client.close();
  }
  const load: LoadName = options.batchSize === 100 ? 'batch100' : 'batch1000';
  return finish(system, sink, load, tally, watch, start, performance.now());
}

export interface KillFigures {
  records: number;
  /** Records acknowledged (each once, however often its request was repeated). */
  acked: number;
  /** Acknowledged records in neither the table nor (Sluice) the dead letters afterwards. */
  missing: number;
  /** Rows beyond one per order id: a request that was stored but whose answer the kill cut off, then repeated. */
  duplicates: number;
  /** Requests repeated because they got no answer, a 5xx, or (while restarting) a 404. */
  repeated: number;
  /** Seconds from the first request until everything acknowledged was processed. */
  seconds: number;
  /** What was done, with the acknowledged count at that moment. */
  steps: string[];
}

/**
 * `records` orders, one per request, from `clients` keep-alive clients. When the acknowledged count
 * reaches each kill step's share of the records, the step runs (SIGKILL, restart) while the clients
 * keep going: a request without an answer, or answered otherwise than acknowledged or rejected by the
 * rule, is repeated until it gets one of those. Then the bench waits for the system to settle and
 * compares the table with what was acknowledged.
 */
export async function killRun(system: System, sink: Sink, options: { records: number; clients: number; prefix: string }): Promise<KillFigures> {
  const orders = makeOrders(options.records, options.prefix);
  const client = new Client(system.port, options.clients);
  const ackedValid = new Set<string>();
  const ackedInvalid = new Set<string>();
  const steps: string[] = [];
  let repeated = 0;
  let next = 0;
  let killFailed = false;
  const start = performance.now();
  const acked = () => ackedValid.size + ackedInvalid.size;

  const loop = async (): Promise<void> => {
    for (let i = next++; i < orders.length; i = next++) {
      const order = orders[i]!;
      const body = JSON.stringify(order);
      for (;;) {
        if (killFailed) return; // the kill step's error is the one reported
        if (performance.now() - start > LOAD_DEADLINE_MS) throw new Error(`kill run still running after ${LOAD_DEADLINE_MS / 1000} s`);
        let status: number;
        let retryAfter = RETRY_PAUSE_MS;
        try {
          const answer = await client.request('POST', sink.path, body);
          status = answer.status;
          if (status === 429) retryAfter = Number(answer.headers['retry-after'] ?? 1) * 1000;
        } catch {
          status = 0;
        }
        if (status === sink.ackStatus) {
          (isValidOrder(order) ? ackedValid : ackedInvalid).add(order.id);
          break;
        }
        if (status === REJECTED) break;
        // Before the first kill a refusal is a broken setup; after it, a restarting process may
        // answer before its routes are up (Node-RED: 404), and the request is repeated.
        if (status >= 400 && status < 500 && status !== 429 && steps.length === 0) throw new Error(`${system.name} answered ${status} during the kill run`);
        if (status !== 429) repeated += 1;
        await pause(retryAfter);
      }
    }
  };
  let clientsDone = false;
  const killer = async (): Promise<void> => {
    for (const step of system.killSteps()) {
      while (acked() < step.at * options.records && !clientsDone) await pause(2);
      if (clientsDone) {
        steps.push(`${step.what}: not reached (the load ended first)`);
        continue;
      }
      steps.push(`${step.what} at ${acked().toLocaleString('en-US')} acknowledged`);
      await step.act().catch((err: unknown) => {
        killFailed = true;
        throw new Error(`kill step "${step.what}" failed`, { cause: err });
      });
    }
  };
  const clients = Promise.all(Array.from({ length: options.clients }, loop)).finally(() => {
    clientsDone = true;
  });
  // Both must have ended before this returns or throws: a kill step may be starting a process.
  const [killed, loaded] = await Promise.allSettled([killer(), clients]);
  client.close();
  if (killed.status === 'rejected') throw killed.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
  const done = await sink.settle();
  const inTable = await sink.orderIds();
  const stored = new Set(inTable);
  const rejected = new Set(await sink.rejectedIds());
  let missing = 0;
  for (const id of ackedValid) if (!stored.has(id)) missing += 1;
  for (const id of ackedInvalid) if (!rejected.has(id)) missing += 1;
  return {
    records: options.records,
    acked: acked(),
    missing,
    duplicates: inTable.length - stored.size,
    repeated,
    seconds: (done - start) / 1000,
    steps,
  };
}
