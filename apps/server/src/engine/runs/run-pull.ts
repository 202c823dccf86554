import { z } from 'zod';
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { AppError } from '@sluice/shared';
import { EgressRefusedError, laterWatermark, type PullCapability, type PullPage, type WatermarkValue } from '@sluice/nodes';
import type { PlanCache } from '../../compiler/plan-cache.js';
import type { IngestService, SourceBatch } from '../../ingest/ingest.js';
import type { Logger } from '../../logger.js';
import { endRun, loadRun, markFetched, type RunRow } from '../../storage/runs.js';
import { enqueueNotification } from './notify-run.js';

export const RunPullPayloadSchema = z.object({ runId: z.string().uuid() });

export interface RunDeps {
  pool: pg.Pool;
  plans: PlanCache;
  ingest: IngestService;
  logger: Logger;
}

/** The pull capability of a run's source (null for a file source), or an error saying why there is none. */
export async function sourceOf(deps: Pick<RunDeps, 'plans'>, run: { flowId: string; nodeId: string; version: number }): Promise<{ pull: PullCapability | null }> {
  const plan = await deps.plans.get(run.flowId, run.version);
  const node = plan?.nodes.get(run.nodeId);
  if (!node) throw new Error(`node "${run.nodeId}" is not in version ${run.version} of the flow`);
  if (node.runtime.kind !== 'source') throw new Error(`node "${run.nodeId}" is not a source`);
  return { pull: node.runtime.pull ?? null };
}

/** The pull capability of a run's source, or an error saying why there is none. */
export async function pullOf(deps: Pick<RunDeps, 'plans'>, run: { flowId: string; nodeId: string; version: number }): Promise<PullCapability> {
  const { pull } = await sourceOf(deps, run);
  if (!pull) throw new Error(`node "${run.nodeId}" is not a source that pulls`);
  return pull;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * The run job: fetches the run's pages from its cursor on and commits each (records, chunk jobs, page
 * mark, counts) in one transaction. A crash resumes from the last committed page; a page that fails
 * is tried again `pageRetries` times from there before the run fails; a run past its deadline stops.
 * When the pages are done the run waits for its chunks (finish_run).
 */
export function createRunPullTask(deps: RunDeps): Task {
  return async (rawPayload, helpers) => {
    const { runId } = RunPullPayloadSchema.parse(rawPayload);
    const run = await loadRun(deps.pool, runId);
    if (!run || run.status !== 'running' || run.phase !== 'fetching') return;
    const log = deps.logger.child({ flowId: run.flowId, nodeId: run.nodeId, runId });
    let pull: PullCapability;
    try {
      pull = await pullOf(deps, run);
    } catch (err) {
      await endRun(deps.pool, runId, 'failed', (err as Error).message);
      return;
    }
    const plan = (await deps.plans.get(run.flowId, run.version))!;
    const abort = new AbortController();
    const untilDeadline = Date.parse(run.deadlineAt) - Date.now();
    const deadline = setTimeout(() => abort.abort(), Math.max(0, Math.min(untilDeadline, 2 ** 31 - 1)));
    try {
      await fetchPages(deps, run, pull, plan.settings.chunkSize, abort.signal);
      if (abort.signal.aborted) {
        if (await endRun(deps.pool, runId, 'timed_out', `the run did not finish within ${pull.settings.timeoutSeconds} s`)) {
          log.warn({}, 'run timed out');
          await enqueueNotification(deps.pool, runId, 'timed_out', pull);
        }
        return;
      }
      // Pages done: the run now waits for its chunks; the last of them (or this) enqueues finish_run.
      await markFetched(deps.pool, runId);
    } catch (err) {
      const last = helpers.job.attempts >= helpers.job.max_attempts;
      log.warn({ err, attempt: helpers.job.attempts, last }, 'run job failed');
      if (last || err instanceof PageFailure) {
        if (await endRun(deps.pool, runId, 'failed', (err as Error).message)) await enqueueNotification(deps.pool, runId, 'failed', pull);
        return;
      }
      throw err; // graphile-worker runs the job again later; it resumes from the last committed page
    } finally {
      clearTimeout(deadline);
    }
  };
}

/** A page that kept failing after its retries: the run fails (the job is not tried again). */
class PageFailure extends Error {}

/** The egress guard refused the source's address: trying the page again cannot help. */
function refusedByGuard(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof EgressRefusedError) return true;
  }
  return false;
}

async function fetchPages(deps: RunDeps, run: RunRow, pull: PullCapability, pageSize: number, signal: AbortSignal): Promise<void> {
  const base = { watermark: run.watermarkFrom, pageSize, signal };
  const missingMode = run.missingRetried && run.missingKeys !== null && run.missingKeys.length > 0;
  if (run.pages === 0 && run.expected === null && pull.count && !missingMode) {
    const count = pull.count;
    for (let failures = 0; ; ) {
      try {
        const expected = await count(base);
        if (expected !== null) await deps.pool.query('UPDATE runs SET expected = $2 WHERE id = $1', [run.id, expected]);
        break;
      } catch (err) {
        failures += 1;
        if (refusedByGuard(err)) throw new PageFailure(`the count was not run: ${(err as Error).message}`, { cause: err });
        if (failures > pull.settings.pageRetries) throw new PageFailure(`the count failed ${failures} times: ${(err as Error).message}`, { cause: err });
        await sleep(Math.min(1000 * 2 ** (failures - 1), 30_000), signal);
      }
    }
  }
  let pageNo = run.pages;
  let cursor = run.cursor;
  let watermarkTo: WatermarkValue | null = run.watermarkTo;
  let failures = 0;
  for (;;) {
    if (signal.aborted) return;
    const pages = missingMode ? missingPages(pull, run.missingKeys!, Number(cursor ?? 0), base) : pull.pages({ ...base, cursor });
    try {
      for await (const page of pages) {
        if (signal.aborted) return;
        pageNo += 1;
        watermarkTo = laterWatermark(watermarkTo, page.watermark);
        if (page.expected !== undefined && page.expected !== null && run.expected === null) {
          run.expected = page.expected;
          await deps.pool.query('UPDATE runs SET expected = $2 WHERE id = $1 AND expected IS NULL', [run.id, page.expected]);
        }
        await acceptPage(deps, run, { pageNo, page, watermarkTo }, signal);
        cursor = page.cursor;
        failures = 0;
        const status = await deps.pool.query('SELECT status FROM runs WHERE id = $1', [run.id]);
        if (status.rows[0]?.status !== 'running') return; // ended meanwhile (timed out by the ticker, deleted)
      }
      return;
    } catch (err) {
      if (signal.aborted) return;
      failures += 1;
      // Resume from what is committed: the page count and the watermark seen so far (the cursor
      // variable only ever moves after a commit).
      const committed = await loadRun(deps.pool, run.id);
      if (committed) {
        pageNo = committed.pages;
        watermarkTo = committed.watermarkTo;
      }
      if (refusedByGuard(err)) throw new PageFailure(`page ${pageNo + 1} was not fetched: ${(err as Error).message}`, { cause: err });
      if (failures > pull.settings.pageRetries) throw new PageFailure(`page ${pageNo + 1} failed ${failures} times: ${(err as Error).message}`, { cause: err });
      deps.logger.warn({ runId: run.id, page: pageNo + 1, failures, err: (err as Error).message }, 'page failed; trying again');
      await sleep(Math.min(1000 * 2 ** (failures - 1), 30_000), signal);
    }
  }
}

/** The missing keys fetched again in pages; the cursor is how many keys are done. */
async function* missingPages(pull: PullCapability, keys: (string | number)[], from: number, ctx: { watermark: WatermarkValue | null; pageSize: number; signal: AbortSignal }): AsyncIterable<PullPage> {
  if (!pull.fetchKeys) throw new Error('this source cannot fetch records by key');
  for (let i = from; i < keys.length; i += ctx.pageSize) {
    const slice = keys.slice(i, i + ctx.pageSize);
    const page = await pull.fetchKeys(slice, ctx);
    const next = i + slice.length;
    yield { ...page, cursor: next >= keys.length ? null : next };
  }
}

/** Commits a page through ingest; waits while the flow's backlog is full (backpressure) rather than failing. */
async function acceptPage(deps: RunDeps, run: RunRow, p: { pageNo: number; page: PullPage; watermarkTo: WatermarkValue | null }, signal: AbortSignal): Promise<void> {
  await acceptWhenRoom(
    deps.ingest,
    {
      flowId: run.flowId,
      sourceNodeId: run.nodeId,
      data: p.page.records,
      correlationId: run.id,
      runPage: { runId: run.id, pageNo: p.pageNo, keys: p.page.keys ?? null, cursor: p.page.cursor, watermarkTo: p.watermarkTo },
    },
    signal,
  );
}

/** `ingest.accept`, waiting while the flow's backlog is over its limit (429) instead of failing. */
export async function acceptWhenRoom(ingest: IngestService, batch: SourceBatch, signal?: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await ingest.accept(batch);
      return;
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited' && !signal?.aborted) {
        await sleep(500, signal);
        continue;
      }
      throw err;
    }
  }
}
