import type pg from 'pg';
import type { SqlClient } from '@sluice/nodes';
import type { RecordError } from '@sluice/shared';
import { insertChunks, type NewChunk } from './insert-chunks.js';
import { inTransaction } from '../db.js';

export interface NewDeadLetter {
  nodeId: string;
  recordId: string;
  correlationId: string;
  receivedAt: string;
  generation: number;
  record: unknown;
  error: RecordError;
  attempts: number;
}

export interface ChunkCompletion {
  /** False when nothing was written: the chunk, or one it took along, was already completed. */
  completed: boolean;
  /**
   * Not completed although the job's own chunk is still there: a chunk it took along was completed
   * by another job meanwhile. The caller should run the chunk again (with what its lane holds now).
   */
  retry: boolean;
  /** How many dead letters this call wrote (a repeat of one already written is not counted). */
  deadLettered: number;
  /** The first few of them (at most DEAD_LETTER_SAMPLE), for the live notice to the editor. */
  deadLetterSample: { id: number; nodeId: string; recordId: string; error: RecordError }[];
}

/**
 * Dead letters a completion returns of those it wrote, and the most the editor's live notice shows
 * (StatsCollector.noteDeadLetters; NOTIFY payloads are capped at 8 KB). Returning every one (a
 * tenth of each chunk in the bench) cost Postgres and the worker for nothing.
 */
export const DEAD_LETTER_SAMPLE = 5;

/** The chunk a job ran, and the ones waiting behind it in its lane that it took along (loadChunks). */
export interface CompletedChunk {
  id: number;
  flowId: string;
  version: number;
  /** Ids of the chunks taken along; absent or empty when it ran alone. */
  taken?: readonly number[];
}

/** What a chunk of a run settled: records finished without a dead letter, and dead-lettered ones. */
export interface RunOutcome {
  runId: string;
  delivered: number;
  deadLettered: number;
}

const DEAD_LETTER_COLUMNS = 'flow_id, version, node_id, record_id, correlation_id, received_at, generation, record, error, attempts';
/** Dead letters as one jsonb parameter ($3), with the flow ($1) and version ($2) they share. */
const DEAD_LETTER_ROWS = `SELECT $1::uuid, $2::int, x.node_id, x.record_id, x.correlation_id, x.received_at, x.generation, x.record, x.error, x.attempts
  FROM jsonb_to_recordset($3::jsonb) AS x(node_id text, record_id uuid, correlation_id text, received_at timestamptz,
       generation int, record jsonb, error jsonb, attempts int)`;

function deadLetterRows(deadLetters: NewDeadLetter[]): string {
  return JSON.stringify(
    deadLetters.map((d) => ({
      node_id: d.nodeId,
      record_id: d.recordId,
      correlation_id: d.correlationId,
      received_at: d.receivedAt,
      generation: d.generation,
      record: d.record ?? null,
      error: d.error,
      attempts: d.attempts,
    })),
  );
}

/**
 * Selects from a CTE `written` (the dead letters inserted) how many there are and the first
 * DEAD_LETTER_SAMPLE of them; one row with a null id when there are none. `columns` go first.
 */
const writtenSample = (columns: string) =>
  `SELECT ${columns}(SELECT count(*) FROM written)::int AS written, w.id, w.node_id, w.record_id, w.error
   FROM (SELECT 1) one LEFT JOIN (SELECT * FROM written LIMIT ${DEAD_LETTER_SAMPLE}) w ON true`;

function writtenOf(rows: Record<string, unknown>[]): Pick<ChunkCompletion, 'deadLettered' | 'deadLetterSample'> {
  return {
    deadLettered: Number(rows[0]?.written ?? 0),
    deadLetterSample: rows
      .filter((row) => row.id !== null)
      .map((row) => ({ id: Number(row.id), nodeId: String(row.node_id), recordId: String(row.record_id), error: row.error as RecordError })),
  };
}

/**
 * CTEs that remove the chunks whose ids are the bigint[] parameter `ids` (the job's own first) —
 * all of them or, when any is already gone (completed elsewhere), none — and the jobs of the ones
 * taken along, which would otherwise each wake a worker to find no chunk. `done` holds the removed
 * ids. The row locks make a concurrent completion of the same chunks wait and then find them gone.
 * A chunk that ran alone needs neither the locks nor the count: its DELETE is all or nothing.
 */
function removeChunks(ids: string, alone: boolean): string {
  if (alone) return `done AS (DELETE FROM chunks WHERE id = (${ids}::bigint[])[1] RETURNING id)`;
  return `mine AS (SELECT id FROM chunks WHERE id = ANY(${ids}::bigint[]) FOR UPDATE),
     done AS (DELETE FROM chunks WHERE id IN (SELECT id FROM mine) AND (SELECT count(*) FROM mine) = cardinality(${ids}::bigint[]) RETURNING id),
     unjobbed AS (SELECT graphile_worker.remove_job('chunk:' || id) FROM done WHERE id <> (${ids}::bigint[])[1])`;
}
/**
 * What the statement around removeChunks reports: how many chunks it removed, and whether the job's
 * own was there. `unjobbed` is selected so that its CTE runs (Postgres skips a SELECT CTE nobody reads).
 */
function removedColumns(ids: string, alone: boolean): string {
  if (alone) return '(SELECT count(*) FROM done)::int AS removed, false AS own_found';
  return `(SELECT count(*) FROM done)::int AS removed, EXISTS (SELECT 1 FROM mine WHERE id = (${ids}::bigint[])[1]) AS own_found,
          (SELECT count(*) FROM unjobbed)::int AS unjobbed`;
}

function notCompleted(row: Record<string, unknown> | undefined): ChunkCompletion {
  return { completed: false, retry: row?.own_found === true, deadLettered: 0, deadLetterSample: [] };
}

/**
 * Records a chunk's outcomes atomically: the chunk row goes (the completion mark) with the rows of
 * the chunks it took along, dead letters are written (a repeat is a no-op on record × node ×
 * generation), retry chunks are enqueued (a repeat is a no-op on their retry key), and a pulled
 * chunk's run counts what it settled — with the completion mark, so each chunk counts exactly once.
 * The common cases (nothing else, or dead letters only) are one statement; retries and runs take a
 * transaction.
 */
export async function completeChunk(
  pool: pg.Pool,
  chunk: CompletedChunk,
  deadLetters: NewDeadLetter[],
  retries: NewChunk[],
  run: RunOutcome | null = null,
): Promise<ChunkCompletion> {
  const ids = [chunk.id, ...(chunk.taken ?? [])];
  const alone = ids.length === 1;
  if (retries.length === 0 && run === null) {
    if (alone && deadLetters.length === 0) {
      const done = await pool.query('DELETE FROM chunks WHERE id = $1', [chunk.id]);
      return done.rowCount === 1 ? { completed: true, retry: false, deadLettered: 0, deadLetterSample: [] } : notCompleted(undefined);
    }
    // One statement, so one implicit transaction: the dead letters are written only when this
    // call removed the chunk rows. Named, so each connection parses it once (it is on every job's path).
    const { rows } = await pool.query({
      name: alone ? 'sluice_complete_chunk' : 'sluice_complete_chunks',
      text: `WITH ${removeChunks('$4', alone)},
       written AS (
         INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS})
         ${DEAD_LETTER_ROWS}
         WHERE EXISTS (SELECT 1 FROM done)
         ON CONFLICT (record_id, node_id, generation) DO NOTHING
         RETURNING id, node_id, record_id, error)
       ${writtenSample(`${removedColumns('$4', alone)}, `)}`,
      values: [chunk.flowId, chunk.version, deadLetterRows(deadLetters), ids],
    });
    if (Number(rows[0]?.removed ?? 0) === 0) return notCompleted(rows[0]);
    return { completed: true, retry: false, ...writtenOf(rows) };
  }
  try {
    return await inTransaction(pool, async (client) => {
      const removal = (
        await client.query({ name: alone ? 'sluice_remove_chunk' : 'sluice_remove_chunks', text: `WITH ${removeChunks('$1', alone)} SELECT ${removedColumns('$1', alone)}`, values: [ids] })
      ).rows[0];
      if (Number(removal?.removed ?? 0) === 0) return notCompleted(removal);
      let written = writtenOf([]);
      if (deadLetters.length > 0) {
        const { rows } = await client.query(
          `WITH written AS (
             INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS})
             ${DEAD_LETTER_ROWS}
             ON CONFLICT (record_id, node_id, generation) DO NOTHING
             RETURNING id, node_id, record_id, error)
           ${writtenSample('')}`,
          [chunk.flowId, chunk.version, deadLetterRows(deadLetters)],
        );
        written = writtenOf(rows);
      }
      await insertChunks(client, retries);
      if (run) {
        await client.query('UPDATE runs SET delivered = delivered + $2, dead_lettered = dead_lettered + $3 WHERE id = $1', [run.runId, run.delivered, run.deadLettered]);
        await finishRunWhenSettled(client, run.runId);
      }
      return { completed: true, retry: false, ...written };
    });
  } catch (err) {
    throw new Error(`could not record the outcomes of chunk ${chunk.id}`, { cause: err });
  }
}

/**
 * Enqueues the run's finishing job when its pages are all fetched and none of its chunks is left.
 * Called after the runs row was updated in the same transaction: that row lock orders the page
 * commits and chunk completions of one run, so the last of them always sees the other's effect.
 */
export async function finishRunWhenSettled(client: SqlClient, runId: string): Promise<void> {
  await client.query(
    `SELECT graphile_worker.add_job('finish_run', json_build_object('runId', r.id), job_key := 'finish_run:' || r.id::text, max_attempts := 10)
     FROM runs r
     WHERE r.id = $1 AND r.phase = 'fetched' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.run_id = r.id)`,
    [runId],
  );
}
