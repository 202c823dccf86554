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
  /** False when another run already completed this chunk: nothing was written. */
  completed: boolean;
  deadLetters: { id: number; nodeId: string; recordId: string; error: RecordError }[];
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

function writtenDeadLetter(row: Record<string, unknown>): ChunkCompletion['deadLetters'][number] {
  return { id: Number(row.id), nodeId: String(row.node_id), recordId: String(row.record_id), error: row.error as RecordError };
}

/**
 * Records a chunk's outcomes atomically: the chunk row goes (the completion mark), dead letters are
 * written (a repeat is a no-op on record × node × generation), retry chunks are enqueued (a repeat
 * is a no-op on their retry key), and a pulled chunk's run counts what it settled — with the
 * completion mark, so each chunk counts exactly once. The common cases (nothing else, or dead
 * letters only) are one statement; retries and runs take a transaction.
 */
export async function completeChunk(
  pool: pg.Pool,
  chunk: { id: number; flowId: string; version: number },
  deadLetters: NewDeadLetter[],
  retries: NewChunk[],
  run: RunOutcome | null = null,
): Promise<ChunkCompletion> {
  if (retries.length === 0 && run === null) {
    if (deadLetters.length === 0) {
      const done = await pool.query('DELETE FROM chunks WHERE id = $1', [chunk.id]);
      return { completed: done.rowCount === 1, deadLetters: [] };
    }
    // One statement, so one implicit transaction: the dead letters are written only when this
    // call removed the chunk row. A concurrent completion of the same chunk waits on the row lock
    // and then finds the row gone: no row comes back, and nothing is written.
    const { rows } = await pool.query(
      `WITH done AS (DELETE FROM chunks WHERE id = $4 RETURNING id),
       written AS (
         INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS})
         ${DEAD_LETTER_ROWS}
         WHERE EXISTS (SELECT 1 FROM done)
         ON CONFLICT (record_id, node_id, generation) DO NOTHING
         RETURNING id, node_id, record_id, error)
       SELECT w.id, w.node_id, w.record_id, w.error FROM done LEFT JOIN written w ON true`,
      [chunk.flowId, chunk.version, deadLetterRows(deadLetters), chunk.id],
    );
    if (rows.length === 0) return { completed: false, deadLetters: [] };
    return { completed: true, deadLetters: rows.filter((r) => r.id !== null).map(writtenDeadLetter) };
  }
  try {
    return await inTransaction(pool, async (client) => {
      const done = await client.query('DELETE FROM chunks WHERE id = $1', [chunk.id]);
      if (done.rowCount !== 1) {
        return { completed: false, deadLetters: [] };
      }
      let written: ChunkCompletion['deadLetters'] = [];
      if (deadLetters.length > 0) {
        const { rows } = await client.query(
          `INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS})
           ${DEAD_LETTER_ROWS}
           ON CONFLICT (record_id, node_id, generation) DO NOTHING
           RETURNING id, node_id, record_id, error`,
          [chunk.flowId, chunk.version, deadLetterRows(deadLetters)],
        );
        written = rows.map(writtenDeadLetter);
      }
      await insertChunks(client, retries);
      if (run) {
        await client.query('UPDATE runs SET delivered = delivered + $2, dead_lettered = dead_lettered + $3 WHERE id = $1', [run.runId, run.delivered, run.deadLettered]);
        await finishRunWhenSettled(client, run.runId);
      }
      return { completed: true, deadLetters: written };
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
