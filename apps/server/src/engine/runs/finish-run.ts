import { z } from 'zod';
import type { Task } from 'graphile-worker';
import type { PullCapability, SourceKey } from '@sluice/nodes';
import { endRun, enqueueRunJob, loadRun } from '../../storage/runs.js';
import { sourceOf, type RunDeps } from './run-pull.js';
import { enqueueNotification } from './notify-run.js';
import { inTransaction } from '../../storage/db.js';

export const FinishRunPayloadSchema = z.object({ runId: z.string().uuid() });

/** Missing keys kept on the run (the count is always exact). */
const MISSING_KEYS_KEPT = 1000;

/**
 * Finishes a run whose pages are fetched and whose chunks are all done: the completeness check
 * (expected vs fetched; the missing keys when the source lists its keys), one automatic fetch of
 * the missing keys when the source asks for it, then the final status, the watermark (advanced only
 * by a run that succeeded, after all its records were committed), and the notification.
 */
export function createFinishRunTask(deps: RunDeps): Task {
  return async (rawPayload) => {
    const { runId } = FinishRunPayloadSchema.parse(rawPayload);
    const run = await loadRun(deps.pool, runId);
    if (!run || run.status !== 'running' || run.phase !== 'fetched') return;
    const left = await deps.pool.query('SELECT 1 FROM chunks WHERE run_id = $1 LIMIT 1', [runId]);
    if (left.rowCount) return; // the last chunk enqueues this job again

    let pull: PullCapability | null;
    try {
      pull = (await sourceOf(deps, run)).pull;
    } catch (err) {
      await endRun(deps.pool, runId, 'failed', (err as Error).message);
      return;
    }
    let missingKeys: SourceKey[] | null = null;
    let missing: number | null = run.expected === null ? null : Math.max(0, run.expected - run.fetched);
    if (pull?.keys && (run.expected === null || run.fetched < run.expected)) {
      missingKeys = await findMissingKeys(deps, runId, pull, run.watermarkFrom);
      missing = missingKeys.length;
    } else if (pull?.keys && missing === 0) {
      missingKeys = []; // every expected record was fetched: nothing is missing, by key either
    }

    if (pull && missingKeys && missingKeys.length > 0 && pull.settings.retryMissing && !run.missingRetried && pull.fetchKeys) {
      await inTransaction(deps.pool, async (client) => {
        const { rowCount } = await client.query(
          `UPDATE runs SET phase = 'fetching', missing_retried = true, cursor = NULL, missing = $2, missing_keys = $3::jsonb
           WHERE id = $1 AND status = 'running' AND phase = 'fetched'`,
          [runId, missing, JSON.stringify(missingKeys)],
        );
        if (rowCount === 1) await enqueueRunJob(client, runId);
      });
      deps.logger.info({ runId, missing }, 'run fetches its missing keys again');
      return;
    }

    const status = missing !== null && missing > 0 ? 'incomplete' : 'succeeded';
    await inTransaction(deps.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE runs SET status = $2, phase = 'done', finished_at = now(), missing = $3, missing_keys = $4::jsonb,
                error = CASE WHEN $2 = 'incomplete' THEN $5 ELSE NULL END
         WHERE id = $1 AND status = 'running' AND phase = 'fetched'
         RETURNING flow_id, node_id, watermark_to`,
        [
          runId,
          status,
          missing,
          missingKeys === null ? null : JSON.stringify(missingKeys.slice(0, MISSING_KEYS_KEPT)),
          `${missing} of ${run.expected ?? '?'} records were not fetched`,
        ],
      );
      const done = rows[0];
      if (done && status === 'succeeded' && done.watermark_to !== null) {
        await client.query(
          `INSERT INTO source_state (flow_id, node_id, watermark, updated_at) VALUES ($1, $2, $3::jsonb, now())
           ON CONFLICT (flow_id, node_id) DO UPDATE SET watermark = excluded.watermark, updated_at = now()`,
          [done.flow_id, done.node_id, JSON.stringify(done.watermark_to)],
        );
      }
      if (done && pull) await enqueueNotification(client, runId, status, pull);
    });
    deps.logger.info({ runId, status, fetched: run.fetched, delivered: run.delivered, deadLettered: run.deadLettered, missing }, 'run finished');
  };
}

/** Keys the source holds that no committed page of the run carried, in the source's order. */
async function findMissingKeys(deps: RunDeps, runId: string, pull: PullCapability, watermark: string | number | null): Promise<SourceKey[]> {
  const fetched = new Set<string>();
  // Page by page, so a big run's keys are never one huge result.
  for (let after = 0; ; ) {
    const { rows } = await deps.pool.query('SELECT page_no, keys FROM run_pages WHERE run_id = $1 AND page_no > $2 ORDER BY page_no LIMIT 50', [runId, after]);
    if (rows.length === 0) break;
    for (const row of rows) for (const k of (row.keys as SourceKey[] | null) ?? []) fetched.add(String(k));
    after = Number(rows[rows.length - 1]!.page_no);
  }
  const missing: SourceKey[] = [];
  const signal = new AbortController().signal;
  for await (const keys of pull.keys!({ watermark, pageSize: 10_000, signal })) {
    for (const k of keys) if (!fetched.has(String(k))) missing.push(k);
  }
  return missing;
}

