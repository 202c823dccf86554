import type pg from 'pg';
import type { WorkerList, WorkerProcess } from '@sluice/shared';
import { DEAD_AFTER_MS } from '../engine/reaper.js';

/**
 * Worker processes from their heartbeat rows, with the jobs their graphile-worker pools hold
 * locked now; a chunk job's flow comes from its queue lane (`flow:<id>:<lane>`).
 */
export async function listWorkers(pool: pg.Pool): Promise<WorkerList> {
  const [processes, jobs, queued] = await Promise.all([
    pool.query(
      `SELECT id, hostname, pid, started_at, heartbeat_at, pool_ids, extract(epoch FROM now() - heartbeat_at)::float AS age
       FROM worker_processes ORDER BY started_at`,
    ),
    pool.query(
      `SELECT j.id::text AS id, j.task_identifier, j.attempts, j.locked_at, j.locked_by, f.id AS flow_id, f.name AS flow_name,
              extract(epoch FROM now() - j.locked_at)::float AS running
       FROM graphile_worker.jobs j
       LEFT JOIN flows f ON j.queue_name LIKE 'flow:%' AND f.id::text = split_part(j.queue_name, ':', 2)
       WHERE j.locked_by IS NOT NULL
       ORDER BY j.locked_at`,
    ),
    pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by IS NULL AND run_at <= now()`),
  ]);
  const items: WorkerProcess[] = processes.rows.map((p) => {
    const pools = new Set<string>(p.pool_ids as string[]);
    return {
      id: String(p.id),
      hostname: String(p.hostname),
      pid: Number(p.pid),
      startedAt: new Date(p.started_at).toISOString(),
      heartbeatAt: new Date(p.heartbeat_at).toISOString(),
      heartbeatAgeSeconds: Number(p.age),
      alive: Number(p.age) * 1000 < DEAD_AFTER_MS,
      jobs: jobs.rows
        .filter((j) => pools.has(String(j.locked_by)))
        .map((j) => ({
          id: String(j.id),
          task: String(j.task_identifier),
          flowId: j.flow_id ?? null,
          flowName: j.flow_name ?? null,
          attempts: Number(j.attempts),
          lockedAt: new Date(j.locked_at).toISOString(),
          runningSeconds: Number(j.running),
        })),
    };
  });
  return { items, queuedJobs: Number(queued.rows[0]?.n ?? 0) };
}
