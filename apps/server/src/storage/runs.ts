// Runs of pull sources: starting one (once per source and scheduled time, never two at once when
// the source says skip), reading them for the API, and the state changes the run jobs make.
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError, type Run, type RunStatus, type RunTrigger } from '@sluice/shared';
import type { PullSettings } from '@sluice/nodes';
import { finishRunWhenSettled } from './sql/index.js';
import { inTransaction } from './db.js';

const COLUMNS = `r.id, r.flow_id, r.node_id, r.version, r.trigger, r.scheduled_for, r.status, r.phase, r.started_at, r.finished_at,
  r.deadline_at, r.expected, r.fetched, r.delivered, r.dead_lettered, r.missing, r.missing_keys, r.missing_retried, r.pages, r.cursor,
  r.watermark_from, r.watermark_to, r.error,
  (SELECT coalesce(sum(c.record_count), 0) FROM chunks c WHERE c.run_id = r.id)::bigint AS in_flight`;

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A run row as the run jobs need it. */
export interface RunRow {
  id: string;
  flowId: string;
  nodeId: string;
  version: number;
  status: RunStatus;
  phase: 'fetching' | 'fetched' | 'done';
  deadlineAt: string;
  expected: number | null;
  fetched: number;
  delivered: number;
  deadLettered: number;
  missingKeys: (string | number)[] | null;
  missingRetried: boolean;
  pages: number;
  cursor: unknown;
  watermarkFrom: string | number | null;
  watermarkTo: string | number | null;
}

function toRow(row: Record<string, unknown>): RunRow {
  return {
    id: String(row.id),
    flowId: String(row.flow_id),
    nodeId: String(row.node_id),
    version: Number(row.version),
    status: row.status as RunStatus,
    phase: row.phase as RunRow['phase'],
    deadlineAt: iso(row.deadline_at)!,
    expected: num(row.expected),
    fetched: Number(row.fetched),
    delivered: Number(row.delivered),
    deadLettered: Number(row.dead_lettered),
    missingKeys: (row.missing_keys as RunRow['missingKeys']) ?? null,
    missingRetried: row.missing_retried === true,
    pages: Number(row.pages),
    cursor: row.cursor ?? null,
    watermarkFrom: (row.watermark_from as RunRow['watermarkFrom']) ?? null,
    watermarkTo: (row.watermark_to as RunRow['watermarkTo']) ?? null,
  };
}

function toRun(row: Record<string, unknown>): Run {
  const startedAt = iso(row.started_at)!;
  const finishedAt = iso(row.finished_at);
  return {
    id: String(row.id),
    flowId: String(row.flow_id),
    nodeId: String(row.node_id),
    version: Number(row.version),
    trigger: row.trigger as RunTrigger,
    scheduledFor: iso(row.scheduled_for),
    status: row.status as RunStatus,
    startedAt,
    finishedAt,
    durationMs: Math.max(0, (finishedAt ? Date.parse(finishedAt) : Date.now()) - Date.parse(startedAt)),
    expected: num(row.expected),
    fetched: Number(row.fetched),
    delivered: Number(row.delivered),
    deadLettered: Number(row.dead_lettered),
    missing: num(row.missing),
    missingKeys: (row.missing_keys as Run['missingKeys']) ?? null,
    inFlight: Number(row.in_flight ?? 0),
    pages: Number(row.pages),
    watermarkFrom: (row.watermark_from as Run['watermarkFrom']) ?? null,
    watermarkTo: (row.watermark_to as Run['watermarkTo']) ?? null,
    error: (row.error as string | null) ?? null,
  };
}

export interface StartRun {
  flowId: string;
  nodeId: string;
  version: number;
  trigger: RunTrigger;
  /** The schedule's time, for scheduled runs: a second start for the same time is a no-op. */
  scheduledFor?: string;
  settings: Pick<PullSettings, 'overlap' | 'timeoutSeconds'>;
  /** Enqueue the run job that fetches the pages. Default true; false when the caller feeds the run (a file upload). */
  withJob?: boolean;
}

/**
 * Starts a run and enqueues its run job, in one transaction. Returns null when the source's previous
 * run is still going and the source skips overlaps, or when this scheduled time already has its run.
 */
export async function startRun(pool: pg.Pool, start: StartRun): Promise<Run | null> {
  // Nothing is written before either early return, so committing them changes nothing.
  const id = await inTransaction(pool, async (client) => {
    // One start at a time per source, so the overlap check below cannot race another start.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`run:${start.flowId}:${start.nodeId}`]);
    if (start.settings.overlap === 'skip') {
      const busy = await client.query(`SELECT 1 FROM runs WHERE flow_id = $1 AND node_id = $2 AND status = 'running' LIMIT 1`, [start.flowId, start.nodeId]);
      if (busy.rowCount) return null;
    }
    const id = uuidv7();
    const inserted = await client.query(
      `INSERT INTO runs (id, flow_id, node_id, version, trigger, scheduled_for, deadline_at, watermark_from, watermark_to)
       SELECT $1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), s.watermark, s.watermark
       FROM (SELECT (SELECT watermark FROM source_state WHERE flow_id = $2 AND node_id = $3) AS watermark) s
       ON CONFLICT (flow_id, node_id, scheduled_for) DO NOTHING
       RETURNING id`,
      [id, start.flowId, start.nodeId, start.version, start.trigger, start.scheduledFor ?? null, start.settings.timeoutSeconds],
    );
    if (inserted.rowCount !== 1) return null;
    if (start.withJob !== false) await enqueueRunJob(client, id);
    return id;
  });
  return id === null ? null : ((await listRunsWhere(pool, 'r.id = $1', [id]))[0] ?? null);
}

/** The run job: one per run (its job key); graphile-worker retries it, and it resumes from the run's cursor. */
export async function enqueueRunJob(client: pg.Pool | pg.PoolClient, runId: string): Promise<void> {
  await client.query(`SELECT graphile_worker.add_job('run_pull', json_build_object('runId', $1::text), job_key := 'run_pull:' || $1, max_attempts := 5)`, [runId]);
}

async function listRunsWhere(pool: pg.Pool, where: string, values: unknown[]): Promise<Run[]> {
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM runs r WHERE ${where}`, values);
  return rows.map(toRun);
}

export async function listRuns(pool: pg.Pool, flowId: string, limit: number): Promise<Run[]> {
  return listRunsWhere(pool, 'r.flow_id = $1 ORDER BY r.started_at DESC, r.id DESC LIMIT $2', [flowId, limit]);
}

export async function getRun(pool: pg.Pool, flowId: string, runId: string): Promise<Run> {
  const run = (await listRunsWhere(pool, 'r.flow_id = $1 AND r.id = $2', [flowId, runId]))[0];
  if (!run) throw new AppError('not_found', `no run with id ${runId} in this flow`);
  return run;
}

export async function loadRun(client: pg.Pool, runId: string): Promise<RunRow | null> {
  const { rows } = await client.query(`SELECT ${COLUMNS} FROM runs r WHERE r.id = $1`, [runId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** Ends a run that cannot go on (failed, timed out); its chunks still settle their counts. */
export async function endRun(pool: pg.Pool, runId: string, status: 'failed' | 'timed_out', error: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE runs SET status = $2, phase = 'done', error = $3, finished_at = now() WHERE id = $1 AND status = 'running'`,
    [runId, status, error.slice(0, 2000)],
  );
  return rowCount === 1;
}

/**
 * Re-opens an incomplete run to fetch just its missing keys: the run job then reads them, and the
 * run is checked again when their chunks are done.
 */
export async function reopenForMissing(pool: pg.Pool, flowId: string, runId: string, timeoutSeconds: number): Promise<Run> {
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `UPDATE runs SET status = 'running', phase = 'fetching', finished_at = NULL, error = NULL, cursor = NULL, missing_retried = true,
              deadline_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND flow_id = $2 AND status = 'incomplete' AND jsonb_array_length(coalesce(missing_keys, '[]'::jsonb)) > 0
       RETURNING id`,
      [runId, flowId, timeoutSeconds],
    );
    if (rows.length === 0) {
      const run = await getRun(pool, flowId, runId);
      throw new AppError('conflict', `only an incomplete run with missing keys can fetch them again; this one is ${run.status}${run.missingKeys?.length ? '' : ' with no missing keys listed'}`);
    }
    await enqueueRunJob(client, runId);
  });
  return getRun(pool, flowId, runId);
}

/** The run's pages are all committed: it now waits for its chunks, and the last of them (or this) enqueues finish_run. */
export async function markFetched(pool: pg.Pool, runId: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`UPDATE runs SET phase = 'fetched' WHERE id = $1 AND status = 'running'`, [runId]);
    await finishRunWhenSettled(client, runId);
  });
}
