// The worker role: graphile-worker running `run_chunk` jobs, a stats collector, and the reaper
// that frees the jobs of dead workers.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { Logger as GraphileLogger, makeWorkerUtils, run, type Runner, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import type { PlanCache } from '../compiler/plan-cache.js';
import type { Logger } from '../logger.js';
import { Reaper } from './reaper.js';
import { StatsCollector } from './stats-collector.js';
import { createRunChunkTask } from './tasks/run-chunk.js';
import type { Keyring } from '../vault/keyring.js';
import { createSendAlertTask } from './tasks/send-alert.js';
import type { IngestService } from '../ingest/ingest.js';
import { createFinishRunTask } from './runs/finish-run.js';
import { createNotifyRunTask } from './runs/notify-run.js';
import { createRunPullTask } from './runs/run-pull.js';
import { createScanFolderTask } from './runs/scan-folder.js';
import { createTickRunsTask } from './runs/tick-runs.js';

export interface WorkerOptions {
  pool: pg.Pool;
  plans: PlanCache;
  /** The vault keyring: opens and seals records of flows that encrypt at rest. */
  keyring: Keyring;
  logger: Logger;
  /** Chunk jobs run at once. Default 8. */
  concurrency?: number;
  /** How often to look for scheduled retries when no notification arrives, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Takes in what pull sources fetch (run jobs). */
  ingest: IngestService;
  /** The egress guard's fetch, for alert notifications and run notifications. */
  egressFetch: typeof fetch;
  /** Folders file sources may read lie under this (SLUICE_FILE_ROOT). */
  fileRoot: string;
}

export interface EngineWorker {
  stats: StatsCollector;
  reaper: Reaper;
  /** Stops taking jobs, lets running ones finish, returns locally queued ones, flushes stats. */
  stop(): Promise<void>;
}

/** How long after a lane's job finished an idle slot looks again for work, ms. */
const LANE_RECHECK_MS = 20;

export async function startWorker(options: WorkerOptions): Promise<EngineWorker> {
  const { pool, logger } = options;
  const stats = new StatsCollector(pool, logger);
  const utils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(logger) });
  const reaper = new Reaper(pool, utils, logger);
  await reaper.start();
  const events: WorkerEvents = new EventEmitter();
  let stopped: Promise<void> | null = null;
  let currentPool: WorkerPool | null = null;
  events.on('pool:create', ({ workerPool }) => {
    currentPool = workerPool;
    reaper.addPool(workerPool.id).catch((err) => logger.warn({ err }, 'could not register worker pool'));
  });
  // A finished job's named queue (a flow's lane) is unlocked by graphile-worker's batched
  // completion, which commits after the slot has already looked for its next job. A job that came
  // into that lane meanwhile was refused as locked, and would wait for the next insert notification
  // or the poll (pollIntervalMs, a second): an idle slot looks again once the completion is in.
  let recheck: NodeJS.Timeout | null = null;
  const recheckLanes = (): void => {
    recheck = null;
    try {
      currentPool?.nudge(1);
    } catch (err) {
      // A pool shutting down (the database went away, or stop()) asserts on a nudge to its stopped
      // slots: there is nothing to wake then. Anything else is worth a line, never a crash.
      if (!(err instanceof Error && err.message.includes('after worker terminated'))) logger.warn({ err }, 'could not wake an idle slot to re-check a lane');
    }
  };
  events.on('job:complete', ({ job }) => {
    // One re-check at a time: at high job rates insert notifications keep the slots busy anyway,
    // and every look that finds nothing is a query (bench/RESULTS.md, "empty job fetches").
    if (job.job_queue_id === null || stopped || recheck) return;
    recheck = setTimeout(recheckLanes, LANE_RECHECK_MS);
    recheck.unref();
  });
  events.on('job:error', ({ job, error }) => {
    logger.warn({ jobId: job.id, task: job.task_identifier, attempts: job.attempts, err: error }, 'job failed; graphile-worker will retry it');
  });
  stats.start();
  const runDeps = { pool, plans: options.plans, ingest: options.ingest, logger };
  const startRunner = (): Promise<Runner> => run({
    pgPool: pool,
    concurrency: options.concurrency ?? 8,
    pollInterval: options.pollIntervalMs ?? 1000,
    noHandleSignals: true,
    logger: graphileLogger(logger),
    events,
    taskList: {
      run_chunk: createRunChunkTask({ pool, plans: options.plans, stats, logger, keyring: options.keyring }),
      send_alert: createSendAlertTask({ pool, logger, keyring: options.keyring, fetch: options.egressFetch }),
      run_pull: createRunPullTask(runDeps),
      finish_run: createFinishRunTask(runDeps),
      notify_run: createNotifyRunTask({ ...runDeps, fetch: options.egressFetch }),
      tick_runs: createTickRunsTask(runDeps),
      scan_folder: createScanFolderTask({ ...runDeps, fileRoot: options.fileRoot }),
    },
    // The run ticker: scheduled runs, timeouts, lost run jobs (graphile-worker runs each tick once
    // across all workers: see tick-runs.ts).
    crontab: '* * * * * tick_runs ?max=1',
    preset: {
      worker: {
        // No localQueue: a pre-fetched batch would hold jobs of slow flows ahead of other flows'
        // new ones (head-of-line blocking). Chunks are a few hundred records each, so one job
        // fetch per chunk costs little; completions are still batched.
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  let runner: Runner = await startRunner();
  // graphile-worker shuts a pool down when it cannot record completions (the database went away
  // under load). Start a new pool once the database answers again; the old pool's locked jobs are
  // released by the reaper like any dead worker's.
  const supervise = (current: Runner): void => {
    const restart = async (err: unknown) => {
      if (stopped) return;
      const deadPool = currentPool?.id ?? null;
      logger.error({ err, poolId: deadPool }, 'the job runner stopped; starting a new one when the database answers');
      if (deadPool) reaper.dropPool(deadPool);
      for (let delay = 1000; !stopped; delay = Math.min(delay * 2, 10_000)) {
        await new Promise((r) => setTimeout(r, delay));
        try {
          await pool.query('SELECT 1');
          // Its jobs and its named queues (the flows' lanes) stay locked until released.
          if (deadPool) await utils.forceUnlockWorkers([deadPool]);
          runner = await startRunner();
          supervise(runner);
          logger.info('the job runner is running again');
          return;
        } catch {
          // still unreachable: try again
        }
      }
    };
    // A pool that gave up ends its promise either way (rejected, or resolved after a graceful
    // shutdown it started itself); only our own stop() is an expected end.
    current.promise.then(() => restart(new Error('the job runner shut itself down')), restart);
  };
  supervise(runner);
  logger.info({ processId: reaper.processId, concurrency: options.concurrency ?? 8 }, 'worker started');
  return {
    stats,
    reaper,
    stop() {
      stopped ??= (async () => {
        if (recheck) clearTimeout(recheck);
        await runner.stop();
        await stats.stop();
        await reaper.stop();
        await utils.release();
      })();
      return stopped;
    },
  };
}

function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { scope: { label: scope.label, workerId: scope.workerId }, ...(meta ?? {}) };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else if (level === 'info') logger.debug(fields, message);
  });
}
