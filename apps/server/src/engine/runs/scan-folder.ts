import type { Task } from 'graphile-worker';
import type pg from 'pg';
import { z } from 'zod';
import { scanFolder } from '../../ingest/file-folder.js';
import { createDb } from '../../storage/db.js';
import type { RunDeps } from './run-pull.js';

export const ScanFolderPayloadSchema = z.object({ flowId: z.string().uuid(), nodeId: z.string(), version: z.number().int() });

/** Asks a worker to read a file source's folder for the schedule time `due` (once per time, however many ticks see it). */
export async function enqueueFolderScan(pool: pg.Pool, source: z.infer<typeof ScanFolderPayloadSchema>, due: Date): Promise<void> {
  await pool.query(
    `SELECT graphile_worker.add_job('scan_folder', $1::json, job_key := $2, max_attempts := 1, job_key_mode := 'unsafe_dedupe')`,
    [JSON.stringify(source), `scan_folder:${source.flowId}:${source.nodeId}:${due.toISOString()}`],
  );
}

/**
 * The folder job: each stable matching file of the source's folder becomes a run (see
 * file-folder.ts). Not tried again when it fails: the next schedule time reads the folder anew.
 */
export function createScanFolderTask(deps: RunDeps & { fileRoot: string; stableMs?: number }): Task {
  const db = createDb(deps.pool);
  return async (rawPayload) => {
    const { flowId, nodeId, version } = ScanFolderPayloadSchema.parse(rawPayload);
    const plan = await deps.plans.get(flowId, version);
    const runtime = plan?.nodes.get(nodeId)?.runtime;
    if (runtime?.kind !== 'source' || !runtime.folder) return;
    const log = deps.logger.child({ flowId, nodeId });
    try {
      const { runs, skipped } = await scanFolder({ ...deps, db }, { flowId, nodeId, folder: runtime.folder, fileRoot: deps.fileRoot, stableMs: deps.stableMs });
      if (runs.length > 0 || skipped.length > 0) log.info({ runs: runs.length, skipped }, 'folder read');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not read the folder');
    }
  };
}
