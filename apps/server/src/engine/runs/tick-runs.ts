import type { Task } from 'graphile-worker';
import { Cron } from 'croner';
import type { Logger } from '../../logger.js';
import { endRun, startRun } from '../../storage/runs.js';
import { finishRunWhenSettled } from '../../storage/sql/index.js';
import type { RunDeps } from './run-pull.js';
import { enqueueFolderScan } from './scan-folder.js';

/**
 * The run ticker, a graphile-worker cron job every minute (graphile-worker's crontab runs each tick
 * once across all workers). It starts the scheduled runs that fell due in the last two minutes —
 * the runs table's unique (flow, source, scheduled time) makes each start happen once even if two
 * ticks see the same time — and keeps runs honest: a run past its deadline is timed out, a run
 * whose job is gone is failed, a settled run that was not finished gets its finish job. A file
 * source with a folder and a schedule gets a scan_folder job per schedule time.
 */
export async function tickRuns(deps: Pick<RunDeps, 'pool' | 'plans' | 'logger'>, now: Date = new Date()): Promise<{ started: number }> {
  let started = 0;
  const { rows: flows } = await deps.pool.query(`SELECT id, deployed_version FROM flows WHERE status = 'deployed' AND deployed_version IS NOT NULL`);
  for (const flow of flows) {
    const flowId = String(flow.id);
    const version = Number(flow.deployed_version);
    let plan;
    try {
      plan = await deps.plans.get(flowId, version);
    } catch (err) {
      deps.logger.warn({ flowId, err: (err as Error).message }, 'could not load a flow to check its schedules');
      continue;
    }
    if (!plan) continue;
    for (const nodeId of plan.sources) {
      const runtime = plan.nodes.get(nodeId)!.runtime;
      if (runtime.kind === 'source' && runtime.folder?.schedule) {
        for (const due of dueTimes(runtime.folder.schedule, runtime.folder.timezone, now)) await enqueueFolderScan(deps.pool, { flowId, nodeId, version }, due);
        continue;
      }
      if (runtime.kind !== 'source' || !runtime.pull?.settings.schedule) continue;
      const settings = runtime.pull.settings;
      for (const due of dueTimes(settings.schedule!, settings.timezone, now)) {
        const run = await startRun(deps.pool, { flowId, nodeId, version, trigger: 'schedule', scheduledFor: due.toISOString(), settings });
        if (run) started += 1;
      }
    }
  }
  await keepRunsHonest(deps.pool, deps.logger);
  return { started };
}

/** Schedule times in (now − 2 min, now]: a tick that came late still starts its run, once. */
export function dueTimes(schedule: string, timezone: string | undefined, now: Date): Date[] {
  const cron = new Cron(schedule, { timezone: timezone ?? 'UTC', paused: true });
  const times: Date[] = [];
  let next = cron.nextRun(new Date(now.getTime() - 120_000));
  while (next && next.getTime() <= now.getTime() && times.length < 5) {
    times.push(next);
    next = cron.nextRun(next);
  }
  return times;
}

async function keepRunsHonest(pool: RunDeps['pool'], logger: Logger): Promise<void> {
  const late = await pool.query(`SELECT id FROM runs WHERE status = 'running' AND deadline_at < now()`);
  for (const row of late.rows) {
    if (await endRun(pool, String(row.id), 'timed_out', 'the run passed its timeout')) logger.warn({ runId: row.id }, 'run timed out');
  }
  // A fetching run with no live run job (its attempts spent, or the job lost) would never end.
  const orphans = await pool.query(
    `SELECT r.id FROM runs r
     WHERE r.status = 'running' AND r.phase = 'fetching' AND r.trigger <> 'file' AND r.started_at < now() - interval '1 minute'
       AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'run_pull:' || r.id::text AND (j.attempts < j.max_attempts OR j.locked_at IS NOT NULL))`,
  );
  for (const row of orphans.rows) {
    if (await endRun(pool, String(row.id), 'failed', 'the run job stopped without finishing the run')) logger.warn({ runId: row.id }, 'run without a job failed');
  }
  const settled = await pool.query(`SELECT id FROM runs r WHERE status = 'running' AND phase = 'fetched' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.run_id = r.id)`);
  for (const row of settled.rows) await finishRunWhenSettled(pool, String(row.id));
}

export function createTickRunsTask(deps: RunDeps): Task {
  return async () => {
    await tickRuns(deps);
  };
}
