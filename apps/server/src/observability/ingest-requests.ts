import type pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * Counts this server process's ingest answers by (flow, status) and adds them to the shared
 * `ingest_request_counts` table about once a second, so /metrics on any server shows the whole
 * cluster. One small upsert per second per process, never one per request.
 */
export class IngestRequestCounter {
  private pending = new Map<string, number>();
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

  /**
   * Counts one answer. The flow is named only for answers that prove it exists and the caller
   * reached it (202 accepted, 429 backlog full); others count under '' so that requests for made-up
   * flow ids cannot grow the label set.
   */
  count(flowId: string, status: number): void {
    const flowKey = status === 202 || status === 429 ? flowId : '';
    const key = `${flowKey}\u0000${status}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([key, n]) => {
      const [flowKey, status] = key.split('\u0000') as [string, string];
      return { flow_key: flowKey, status: Number(status), n };
    });
    try {
      await this.pool.query(
        `INSERT INTO ingest_request_counts AS c (flow_key, status, count)
         SELECT x.flow_key, x.status, x.n FROM jsonb_to_recordset($1::jsonb) AS x(flow_key text, status int, n bigint)
         ON CONFLICT (flow_key, status) DO UPDATE SET count = c.count + excluded.count`,
        [JSON.stringify(rows)],
      );
    } catch (err) {
      this.logger.warn({ err }, 'ingest request counts not flushed; keeping them for the next flush');
      for (const [key, n] of batch) this.pending.set(key, (this.pending.get(key) ?? 0) + n);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
