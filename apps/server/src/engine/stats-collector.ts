import { LATENCY_BUCKETS_MS, type RecordError } from '@sluice/shared';
import type pg from 'pg';
import { DEAD_LETTER_SAMPLE, flushStats, type StatsDelta } from '../storage/sql/index.js';
import type { Logger } from '../logger.js';

/** One node's counters. `counts` holds bounded keys: `rule:<name>`, `class:<c>`, `retries`, `q:<measure>`. */
export interface NodeCounters {
  in: number;
  out: Record<string, number>;
  errors: number;
  deadLettered: number;
  latency: number[];
  counts: Record<string, number>;
}

/** Counts for one chunk, kept apart until the chunk's outcomes commit, then merged into the collector. */
export class ChunkStats {
  readonly nodes = new Map<string, NodeCounters>();

  node(nodeId: string): NodeCounters {
    let n = this.nodes.get(nodeId);
    if (!n) {
      n = { in: 0, out: {}, errors: 0, deadLettered: 0, latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), counts: {} };
      this.nodes.set(nodeId, n);
    }
    return n;
  }

  count(nodeId: string, key: string, n = 1): void {
    const counts = this.node(nodeId).counts;
    counts[key] = (counts[key] ?? 0) + n;
  }

  out(nodeId: string, port: string, n: number): void {
    const node = this.node(nodeId);
    node.out[port] = (node.out[port] ?? 0) + n;
  }

  /** Observes how long ago each record was received, in ms. */
  latency(nodeId: string, receivedAt: readonly string[], now = Date.now()): void {
    const buckets = this.node(nodeId).latency;
    // Records of one ingest call share their receivedAt: parse each distinct string once.
    let lastText = '';
    let lastMs = 0;
    for (const at of receivedAt) {
      if (at !== lastText) {
        lastText = at;
        lastMs = Date.parse(at);
      }
      buckets[latencyBucket(now - lastMs)]! += 1;
    }
  }
}

export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (ms <= LATENCY_BUCKETS_MS[i]!) return i;
  return LATENCY_BUCKETS_MS.length;
}

interface DeadLetterNote {
  flowId: string;
  count: number;
  sample: { id: string; nodeId: string; recordId: string; error: RecordError }[];
}

/**
 * A worker's counters per (flow, node, second), flushed to Postgres about once a second and
 * announced with NOTIFY. A failed flush keeps its counts for the next one.
 */
export class StatsCollector {
  private pending = new Map<string, StatsDelta>();
  private deadLetters = new Map<string, DeadLetterNote>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  add(flowId: string, stats: ChunkStats): void {
    const bucket = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    for (const [nodeId, n] of stats.nodes) {
      const key = `${flowId}\u0000${nodeId}\u0000${bucket}`;
      const delta = this.pending.get(key);
      if (!delta) {
        this.pending.set(key, { flowId, nodeId, bucket, in: n.in, out: { ...n.out }, errors: n.errors, deadLettered: n.deadLettered, latency: [...n.latency], counts: { ...n.counts } });
        continue;
      }
      mergeInto(delta, n);
    }
  }

  noteDeadLetters(flowId: string, count: number, sample: readonly { id: number; nodeId: string; recordId: string; error: RecordError }[]): void {
    if (count === 0) return;
    const note = this.deadLetters.get(flowId) ?? { flowId, count: 0, sample: [] };
    note.count += count;
    for (const dl of sample) {
      if (note.sample.length >= DEAD_LETTER_SAMPLE) break;
      // NOTIFY payloads are capped at 8 KB: keep the sample short.
      note.sample.push({ id: String(dl.id), nodeId: dl.nodeId, recordId: dl.recordId, error: { kind: dl.error.kind, message: dl.error.message.slice(0, 300) } });
    }
    this.deadLetters.set(flowId, note);
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const deltas = [...this.pending.values()];
    const notes = [...this.deadLetters.values()];
    this.pending = new Map();
    this.deadLetters = new Map();
    try {
      await flushStats(this.pool, deltas);
      for (const note of notes) await this.pool.query("SELECT pg_notify('sluice_dead_letters', $1)", [JSON.stringify(note)]);
    } catch (err) {
      this.logger.warn({ err }, 'stats flush failed; keeping the counts for the next flush');
      for (const d of deltas) {
        const key = `${d.flowId}\u0000${d.nodeId}\u0000${d.bucket}`;
        const existing = this.pending.get(key);
        if (existing) mergeInto(existing, d);
        else this.pending.set(key, d);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }
}

function mergeInto(delta: StatsDelta, n: Omit<NodeCounters, 'counts'> & { counts?: Record<string, number> }): void {
  delta.in += n.in;
  delta.errors += n.errors;
  delta.deadLettered += n.deadLettered;
  for (const [port, c] of Object.entries(n.out)) delta.out[port] = (delta.out[port] ?? 0) + c;
  for (const [key, c] of Object.entries(n.counts ?? {})) delta.counts[key] = (delta.counts[key] ?? 0) + c;
  n.latency.forEach((c, i) => (delta.latency[i] = (delta.latency[i] ?? 0) + c));
}
