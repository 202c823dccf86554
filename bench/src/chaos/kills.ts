// Chaos scenario 1: kill -9 the worker at random moments while it works through orders, start a new
// one each time, and check that every accepted record ends up exactly once in the sink table or
// among the dead letters.
//
// The worker processes a 5,000-record burst in about a second, so a steady trickle would leave it
// idle at most kills. Each round therefore waits until the previous kill is over (the dead worker's
// jobs released, the backlog processed), sends a burst, waits until the worker holds chunk jobs, and
// kills it at a random moment of the next few hundred ms: mid-chunk, mid-sink write, mid-commit, or
// (when it was quicker) already idle.
import { startWorker, type SluiceProcess } from '../sluice.js';
import {
  account,
  Accepted,
  backlog,
  countStatuses,
  deployFlow,
  finished,
  ingestAll,
  orderBatches,
  sleep,
  waitUntil,
  exitReason,
  type Accounting,
  type Call,
  type ChaosTarget,
} from './target.js';

export interface KillOptions {
  records: number;
  batchSize: number;
  /** Ingest requests in flight during a burst. */
  inFlight: number;
  kills: number;
  /** A kill comes this long (uniformly random, ms) after the worker first holds chunk jobs of its burst. */
  killWithinMs: [number, number];
  /** Longest wait for the backlog to drain once the kills are done. */
  drainTimeoutMs: number;
}

export interface KillRecord {
  /** Seconds into the run. */
  at: number;
  /** ms after its burst started. */
  afterBurstMs: number;
  /** Chunk jobs the killed worker held locked at that moment. */
  jobsLocked: number;
  /** Records waiting (chunks) at that moment. */
  queued: number;
  /** Records finished (sink rows + dead letters) just after it died (its last commits settled). */
  finishedAtKill: number;
  /** ms until the next worker had registered. */
  restartMs: number;
  /** ms until records were finishing again. */
  resumedMs: number | null;
  /** ms until no job was locked by the dead worker any more (released by the reaper). */
  releasedMs: number | null;
}

export interface KillResult {
  options: KillOptions;
  kills: KillRecord[];
  runSeconds: number;
  /** Seconds from the last kill until the backlog was empty (null: it never was). */
  drainSeconds: number | null;
  answers: Record<string, number>;
  accounting: Accounting;
  /** Server or worker exits that were not the bench's doing. */
  unexpectedExits: string[];
}

const lockedBy = async (target: ChaosTarget, poolIds: string[]) =>
  (await target.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by = ANY($1::text[])', [poolIds])).rows[0]?.n ?? 0;

export async function killLoop(target: ChaosTarget, options: KillOptions, log: (line: string) => void): Promise<KillResult> {
  const table = 'chaos_kill_orders';
  const flowId = await deployFlow(target, table);
  const accepted = new Accepted();
  const calls: Call[] = [];
  const unexpectedExits: string[] = [];
  // A process that exits while the bench did not stop it (a killed one is stopped first) is a finding.
  const watch = (role: string, child: SluiceProcess) => child.died.catch((err: Error) => unexpectedExits.push(`${role}: ${exitReason(err)}`));
  watch('server', target.server);
  watch('worker', target.worker);
  const start = Date.now();
  const perBurst = Math.ceil(options.records / Math.max(1, options.kills));

  const kills: KillRecord[] = [];
  const trackers: Promise<void>[] = [];
  const ingests: Promise<void>[] = [];
  let previous: { poolIds: string[] } | null = null;
  for (let k = 0; k < Math.max(1, options.kills); k++) {
    if (previous) {
      // The previous kill is over once its jobs are released and what it left is processed.
      const { poolIds } = previous;
      const settled = await waitUntil(async () => (await lockedBy(target, poolIds)) === 0 && (await backlog(target.pool, flowId)) === 0, 180_000, 250, () => unexpectedExits.length > 0);
      if (!settled) {
        log(`  round ${k + 1}: the previous kill never settled; stopping the kills here`);
        break;
      }
    }
    const batches = orderBatches(Math.min(perBurst, options.records - k * perBurst), options.batchSize, `kill${k}`);
    const burstAt = Date.now();
    // The burst goes on in the background: a kill during ingest is one of the moments to try.
    ingests.push(ingestAll(target, flowId, batches, options.inFlight, accepted, calls, 500));
    if (k >= options.kills) break; // --kills 0: one burst, no kill
    const victim = target.worker;
    const { rows } = await target.pool.query<{ pool_ids: string[] }>('SELECT pool_ids FROM worker_processes WHERE pid = $1', [victim.pid]);
    const poolIds = rows.flatMap((r) => r.pool_ids);
    // Kill while it works: from the moment it holds chunk jobs, at a random point of the next moments.
    await waitUntil(async () => (await lockedBy(target, poolIds)) > 0, 5_000, 5);
    const [lo, hi] = options.killWithinMs;
    await sleep(lo + Math.random() * (hi - lo));
    const jobsLocked = await lockedBy(target, poolIds);
    const queued = (await backlog(target.pool, flowId)) ?? -1;
    process.kill(victim.pid, 'SIGKILL');
    const killedAt = Date.now();
    await victim.stop(5_000); // reaps the dead process (marks it stopped, so it is not "unexpected")
    // Counted once the dead process's last transactions have settled (committed or rolled back), so
    // that a sink write it had in flight is not taken for the new worker resuming.
    await sleep(300);
    const finishedAtKill = (await finished(target.pool, flowId, table)) ?? 0;
    previous = { poolIds };
    const record: KillRecord = { at: (killedAt - start) / 1000, afterBurstMs: killedAt - burstAt, jobsLocked, queued, finishedAtKill, restartMs: 0, resumedMs: null, releasedMs: null };
    kills.push(record);
    target.worker = await startWorker(target.db.url, target.pool, target.workerConcurrency);
    watch('worker', target.worker);
    record.restartMs = Date.now() - killedAt;
    log(
      `  kill ${k + 1}/${options.kills} at ${record.at.toFixed(1)} s (${record.afterBurstMs} ms into a burst): the worker held ${jobsLocked} chunk job(s), ` +
        `${queued} records queued, ${finishedAtKill} finished; a new worker was up ${record.restartMs} ms later`,
    );
    trackers.push(
      (async () => {
        // Only a kill that left records waiting has a "resumed"; the next round may add more.
        const resumed =
          queued > 0
            ? waitUntil(async () => ((await finished(target.pool, flowId, table)) ?? 0) > finishedAtKill, 120_000, 100).then((ok) => {
                if (ok) record.resumedMs = Date.now() - killedAt;
              })
            : Promise.resolve();
        const released = waitUntil(async () => (await lockedBy(target, poolIds)) === 0, 120_000, 250).then((ok) => {
          if (ok) record.releasedMs = Date.now() - killedAt;
        });
        await Promise.all([resumed, released]);
      })(),
    );
  }
  await Promise.all(ingests);
  const lastKill = Date.now();
  log(`  ${kills.length} kills done and ${accepted.count} records accepted at ${((lastKill - start) / 1000).toFixed(1)} s; waiting for the backlog to drain…`);
  const drained = await waitUntil(async () => (await backlog(target.pool, flowId)) === 0, options.drainTimeoutMs, 250, () => unexpectedExits.length > 0);
  const drainSeconds = drained ? (Date.now() - lastKill) / 1000 : null;
  await Promise.all(trackers);
  return {
    options,
    kills,
    runSeconds: (Date.now() - start) / 1000,
    drainSeconds,
    answers: countStatuses(calls),
    accounting: await account(target.pool, flowId, table, accepted),
    unexpectedExits,
  };
}
