// Consuming sources (broker sources) in worker processes: for every deployed flow's consuming source
// exactly one process runs its `consume`, the one holding its lease in `source_consumers`. Leases are
// renewed on every look; a dead process's lease expires and a live one takes it over.
import { AppError } from '@sluice/shared';
import { EgressRefusedError, MAX_RAW_CHARS, type AcceptOutcome, type ConsumeContext, type SourceMessage } from '@sluice/nodes';
import type pg from 'pg';
import type { PlanCache } from '../compiler/plan-cache.js';
import type { IngestService, SourceRejects } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import { isDatabaseRefusal } from '../storage/db-errors.js';
import { acquireLeases, deployedFlows, releaseLease, renewLeases, setConsumerState, type ConsumerKey } from '../storage/source-consumers.js';

export interface ConsumerOptions {
  pool: pg.Pool;
  plans: PlanCache;
  ingest: IngestService;
  logger: Logger;
  /** This worker process's id (the reaper's), written as the lease holder. */
  processId: string;
  /** How long a lease lasts without renewal, ms: a dead process's sources move after at most this plus `pollMs`. Default 15000. */
  leaseMs?: number;
  /** How often to look at deployed flows and renew leases, ms. Default 2000. */
  pollMs?: number;
}

/** Backoff between connection attempts: 1 s doubling to 30 s, with jitter. */
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Failed attempts in a row (never connected in between) after which the state reads `error`. */
const ERROR_AFTER_FAILURES = 3;
/** How long stop() waits for a consumer to close before giving up on it. */
const STOP_TIMEOUT_MS = 10_000;

type Consume = (ctx: ConsumeContext) => Promise<void>;

interface Running {
  key: ConsumerKey;
  version: number;
  abort: AbortController;
  done: Promise<void>;
}

const keyOf = (k: ConsumerKey) => `${k.flowId}/${k.nodeId}`;

export class ConsumerSupervisor {
  private readonly running = new Map<string, Running>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  /** When the leases were last renewed (local clock): past `leaseMs` minus a margin, stop consuming. */
  private renewedAt = Date.now();

  constructor(private readonly options: ConsumerOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 2000;
  }

  start(): void {
    this.watchdog = setInterval(() => void this.stopIfLeasesStale(), this.pollMs);
    this.watchdog.unref();
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick()
        .catch((err) => this.options.logger.warn({ err }, 'consumer supervision failed; trying again'))
        .finally(() => {
          this.ticking = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    loop();
  }

  /**
   * Without the database nobody can see this process's leases renewed: before they expire and
   * another process takes over, stop, so two never consume the same source for long. Checked after
   * a failed look and by a watchdog, since a look can hang on an unreachable database.
   */
  private async stopIfLeasesStale(err?: unknown): Promise<void> {
    if (this.running.size === 0 || Date.now() - this.renewedAt <= this.leaseMs - 2 * this.pollMs) return;
    this.options.logger.warn({ err }, 'cannot renew consumer leases: stopping consumers until the database answers');
    await Promise.all([...this.running.values()].map((r) => this.stopOne(r, false)));
  }

  /** One look: what should run, renew what runs, take what nobody holds, stop what should not run. */
  async tick(): Promise<void> {
    const { pool, processId } = this.options;
    let wanted: { key: ConsumerKey; version: number; consume: Consume }[];
    let stillHeld: Set<string>;
    try {
      wanted = await this.wanted();
      stillHeld = new Set((await renewLeases(pool, processId, this.leaseMs)).map(keyOf));
      this.renewedAt = Date.now();
    } catch (err) {
      await this.stopIfLeasesStale(err);
      throw err;
    }
    const wantedByKey = new Map(wanted.map((w) => [keyOf(w.key), w]));
    for (const [k, r] of this.running) {
      const w = wantedByKey.get(k);
      if (!stillHeld.has(k)) {
        this.options.logger.warn({ ...r.key }, 'another process took this consumer over; stopping it here');
        await this.stopOne(r, false);
      } else if (!w || w.version !== r.version) {
        await this.stopOne(r, true);
      }
    }
    const candidates = wanted.filter((w) => !this.running.has(keyOf(w.key)));
    if (candidates.length === 0 || this.stopped) return;
    const acquired = await acquireLeases(pool, processId, this.leaseMs, candidates.map((c) => ({ ...c.key, version: c.version })));
    for (const key of acquired) {
      const w = wantedByKey.get(keyOf(key));
      if (w && !this.stopped) this.startOne(w.key, w.version, w.consume);
    }
  }

  /** Consuming sources of the deployed flows, with the runtime of the deployed version. */
  private async wanted(): Promise<{ key: ConsumerKey; version: number; consume: Consume }[]> {
    const out: { key: ConsumerKey; version: number; consume: Consume }[] = [];
    for (const { flowId, version } of await deployedFlows(this.options.pool)) {
      let plan;
      try {
        plan = await this.options.plans.get(flowId, version);
      } catch (err) {
        this.options.logger.error({ err, flowId, version }, 'cannot compile a deployed flow; its consumers do not run');
        continue;
      }
      if (!plan) continue;
      for (const nodeId of plan.sources) {
        const runtime = plan.nodes.get(nodeId)?.runtime;
        if (runtime?.kind === 'source' && runtime.consume) out.push({ key: { flowId, nodeId }, version, consume: runtime.consume.bind(runtime) });
      }
    }
    return out;
  }

  private startOne(key: ConsumerKey, version: number, consume: Consume): void {
    const abort = new AbortController();
    const running: Running = { key, version, abort, done: Promise.resolve() };
    running.done = this.supervise(running, consume).catch((err) => this.options.logger.error({ err, ...key }, 'consumer supervision crashed'));
    this.running.set(keyOf(key), running);
    this.options.logger.info({ ...key, version }, 'consuming source started');
  }

  private async stopOne(r: Running, release: boolean): Promise<void> {
    this.running.delete(keyOf(r.key));
    r.abort.abort();
    await withTimeout(r.done, STOP_TIMEOUT_MS);
    if (release) await releaseLease(this.options.pool, this.options.processId, r.key).catch(() => undefined);
    this.options.logger.info({ ...r.key }, 'consuming source stopped');
  }

  /** Runs `consume` until aborted, again with backoff whenever it fails, saying how it goes. */
  private async supervise(r: Running, consume: Consume): Promise<void> {
    const { signal } = r.abort;
    const logger = this.options.logger.child({ flowId: r.key.flowId, nodeId: r.key.nodeId });
    // State writes are chained so they land in order.
    let writes = Promise.resolve();
    const say = (state: string, message: string | null) => {
      writes = writes
        .then(() => (signal.aborted ? undefined : setConsumerState(this.options.pool, this.options.processId, r.key, state, message)))
        .catch((err) => logger.warn({ err }, 'could not record the consumer state'));
    };
    let failures = 0;
    let lastError: string | null = null;
    while (!signal.aborted) {
      let connected = false;
      say(failures === 0 ? 'connecting' : failures >= ERROR_AFTER_FAILURES ? 'error' : 'reconnecting', lastError);
      try {
        await consume({
          signal,
          logger,
          accept: (messages) => this.accept(r.key, messages, signal),
          connected: () => {
            connected = true;
            failures = 0;
            lastError = null;
            say('connected', null);
          },
        });
        if (signal.aborted) break;
        throw new Error('the consumer ended by itself');
      } catch (err) {
        if (signal.aborted) break;
        // The egress guard refused the broker's address: say so at once, retrying cannot change it.
        failures = err instanceof EgressRefusedError ? Math.max(failures + 1, ERROR_AFTER_FAILURES) : connected ? 1 : failures + 1;
        lastError = (err as Error).message ?? String(err);
        const delay = Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS) * (0.8 + Math.random() * 0.4);
        logger.warn({ err: lastError, failures, retryInMs: Math.round(delay) }, 'consumer failed; connecting again after a backoff');
        say(failures >= ERROR_AFTER_FAILURES ? 'error' : 'reconnecting', lastError);
        await sleep(delay, signal);
      }
    }
    await writes;
  }

  /**
   * Commits a batch, waiting out backpressure (429) without giving up the messages. Messages that
   * cannot be records (their source says why, or ingest refuses them: the source's check, a value
   * Postgres cannot store; found one by one) are committed as dead letters at the source, so the
   * source acknowledges every message after this resolves.
   */
  private async accept(key: ConsumerKey, messages: SourceMessage[], signal: AbortSignal): Promise<AcceptOutcome> {
    const records: { key?: string; data: Record<string, unknown> }[] = [];
    const rejects: SourceRejects['items'] = [];
    for (const m of messages) {
      if ('data' in m) records.push(m);
      else rejects.push({ key: m.key, raw: m.invalid.raw, reason: m.invalid.reason });
    }
    const batch = (items: typeof records) => ({ flowId: key.flowId, sourceNodeId: key.nodeId, data: items.map((m) => m.data), keys: items.map((m) => m.key) });
    const commit = async (items: typeof records): Promise<'ok' | AppError> => {
      for (;;) {
        if (signal.aborted) throw new Error('the consumer is stopping');
        try {
          await this.options.ingest.accept(batch(items));
          return 'ok';
        } catch (err) {
          if (err instanceof AppError && err.code === 'rate_limited') {
            await sleep(retryAfterMs(err), signal);
            continue;
          }
          if (err instanceof AppError && err.code === 'invalid_input') return err;
          // Postgres refused the data itself (a string jsonb cannot hold): sending it again will not help.
          if (isDatabaseRefusal(err)) return new AppError('invalid_input', `the database refused this data: ${innermostMessage(err)}`);
          throw err;
        }
      }
    };
    if (records.length > 0 && (await commit(records)) !== 'ok') {
      for (const record of records) {
        const outcome = await commit([record]);
        if (outcome !== 'ok') rejects.push({ key: record.key, raw: JSON.stringify(record.data).slice(0, MAX_RAW_CHARS), reason: refusalReason(outcome) });
      }
    }
    if (rejects.length > 0) await this.options.ingest.rejectAtSource({ flowId: key.flowId, sourceNodeId: key.nodeId, items: rejects });
    return { deadLettered: rejects.length };
  }

  /** Stops every consumer and gives their leases up, so another process takes them over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    await this.ticking;
    await Promise.all([...this.running.values()].map((r) => this.stopOne(r, true)));
  }
}

/** Why ingest refused one record, without its "record 0" (the batch was that one record). */
function refusalReason(err: AppError): string {
  const first = (err.details as { errors?: { path?: string; message?: string }[] } | undefined)?.errors?.[0];
  if (first?.message) return `refused by the source's check${first.path ? ` at ${first.path}` : ''}: ${first.message}`;
  return err.message;
}

function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  for (let depth = 0; e.cause instanceof Error && depth < 5; depth++) e = e.cause;
  return e.message ?? String(err);
}

function retryAfterMs(err: AppError): number {
  const seconds = Number(err.headers['Retry-After']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
