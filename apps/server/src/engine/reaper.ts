import os from 'node:os';
import type pg from 'pg';
import type { WorkerUtils } from 'graphile-worker';
import type { Logger } from '../logger.js';

/** How often a worker process says it is alive. */
export const HEARTBEAT_MS = 5_000;
/** A process silent this long is dead; its locked jobs are released (well inside the 30 s promise). */
export const DEAD_AFTER_MS = 15_000;
/** How often old heartbeat rows and stats buckets are deleted. */
const CLEANUP_EVERY_MS = 60_000;

/**
 * Keeps this worker process's heartbeat row fresh, and releases the jobs that dead processes left
 * locked (graphile-worker would otherwise leave them for hours). Every worker runs it; the unlock is
 * idempotent, so several doing it at once is harmless.
 */
export class Reaper {
  readonly processId = `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly poolIds = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastCleanup = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly utils: WorkerUtils,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat()
        .then(() => this.releaseDeadLocks())
        .catch((err) => this.logger.warn({ err }, 'heartbeat failed'));
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Called when graphile-worker creates a pool: its id is what locks jobs. */
  async addPool(poolId: string): Promise<void> {
    this.poolIds.add(poolId);
    await this.beat();
  }

  /** A pool that has stopped (its runner died): no longer vouched for by this process's heartbeat. */
  dropPool(poolId: string): void {
    this.poolIds.delete(poolId);
  }

  private async beat(): Promise<void> {
    await this.pool.query(
      `INSERT INTO worker_processes (id, pool_ids, hostname, pid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET pool_ids = excluded.pool_ids, heartbeat_at = now()`,
      [this.processId, [...this.poolIds], os.hostname(), process.pid],
    );
  }

  /**
   * Jobs locked by a pool that no live process owns, for longer than a live process takes to say
   * so, belong to a dead worker. (A pool id is registered just after the pool starts; the age check
   * covers that moment.)
   */
  async releaseDeadLocks(): Promise<string[]> {
    const { rows } = await this.pool.query<{ locked_by: string }>(
      `SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
       WHERE j.locked_by IS NOT NULL
         AND j.locked_at < now() - make_interval(secs => $1::double precision / 1000)
         AND NOT EXISTS (
           SELECT 1 FROM worker_processes w
           WHERE j.locked_by = ANY (w.pool_ids)
             AND w.heartbeat_at > now() - make_interval(secs => $1::double precision / 1000)
         )`,
      [DEAD_AFTER_MS],
    );
    const dead = rows.map((r) => r.locked_by);
    if (dead.length > 0) {
      await this.utils.forceUnlockWorkers(dead);
      this.logger.warn({ workerIds: dead }, 'released jobs locked by dead workers');
    }
    if (Date.now() - this.lastCleanup > CLEANUP_EVERY_MS) {
      this.lastCleanup = Date.now();
      await this.pool.query(`DELETE FROM worker_processes WHERE heartbeat_at < now() - interval '1 hour'`);
      // The per-second series serves the last 24 h of charts and rates; the totals live in node_stats.
      await this.pool.query(`DELETE FROM node_stats_series WHERE bucket < now() - interval '24 hours'`);
      // Duplicate keys matter for the longest quality window (24 h) only.
      await this.pool.query(`DELETE FROM quality_keys WHERE seen_at < now() - interval '24 hours'`);
    }
    return dead;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pool.query('DELETE FROM worker_processes WHERE id = $1', [this.processId]).catch(() => {});
  }
}
