import type pg from 'pg';

export interface LoadedChunk {
  id: number;
  flowId: string;
  version: number;
  nodeId: string;
  attempt: number;
  /** A sink's time slice ran out: these records continue at the same attempt. */
  continuation: boolean;
  /** The run that pulled these records, or null for pushed ones. */
  runId: string | null;
  /** The records as stored: JSON text (chunkRecordsJson), sealed when the flow encrypts at rest. */
  records: string;
}

/**
 * The chunk behind a job, first, then the chunks waiting behind it in its lane that it can take
 * along: fresh ones (first attempt, not a continuation) of the same flow version, source and run,
 * due now, in id order, while all of them together hold no more records than the version's
 * chunkSize. Empty when the job's own chunk was already completed (a replayed job).
 *
 * Why: a job costs the worker and Postgres several round trips whatever its size (fetching the job,
 * loading, the sink's write, the completion: about 3.5 ms of CPU here), so a lane that fell behind
 * with small chunks (single-record ingest during a sink outage or a burst) drained a few records per
 * job. A job that takes the lane's waiting chunks makes one job of many, and the more so the further
 * behind the lane is. Its lane keeps the others from running meanwhile (graphile-worker runs one job
 * per named queue at a time); completeChunk removes the taken chunks and their jobs with its own.
 */
export async function loadChunks(pool: pg.Pool, chunkId: number): Promise<LoadedChunk[]> {
  // Named: every job runs it, and a statement this size costs Postgres more to parse and plan than
  // to run (0.43 ms planning, 0.14 ms running, for a small chunk).
  const { rows } = await pool.query({
    name: 'sluice_load_chunks',
    text: `WITH lead AS (
       SELECT c.id, c.flow_id, c.version, c.node_id, c.attempt, c.continuation, c.run_id, c.records, c.record_count, c.queue_name, coalesce((SELECT (v.settings->>'chunkSize')::int FROM flow_versions v WHERE v.flow_id = c.flow_id AND v.version = c.version), 0) AS room
       FROM chunks c WHERE c.id = $1
     ), behind AS (
       SELECT c.id, c.record_count FROM chunks c, lead l
       WHERE l.attempt = 0 AND NOT l.continuation AND l.record_count < l.room
         AND c.queue_name = l.queue_name AND c.id <> l.id AND c.flow_id = l.flow_id AND c.version = l.version
         AND c.node_id = l.node_id AND c.attempt = 0 AND NOT c.continuation AND c.run_id IS NOT DISTINCT FROM l.run_id AND c.run_at <= now()
       -- Every chunk holds a record at least: no more chunks than the room left can fit.
       ORDER BY c.id LIMIT (SELECT greatest(room - record_count, 0) FROM lead)
     ), taken AS (
       SELECT b.id FROM (SELECT id, sum(record_count) OVER (ORDER BY id) AS upto FROM behind) b, lead l WHERE b.upto + l.record_count <= l.room
     )
     SELECT id, flow_id, version, node_id, attempt, continuation, run_id, records, 0 AS ord FROM lead
     UNION ALL
     SELECT id, flow_id, version, node_id, attempt, continuation, run_id, records, 1 FROM chunks WHERE id IN (SELECT id FROM taken)
     ORDER BY ord, id`,
    values: [chunkId],
  });
  return rows.map((row) => ({
    id: Number(row.id),
    flowId: String(row.flow_id),
    version: Number(row.version),
    nodeId: String(row.node_id),
    attempt: Number(row.attempt),
    continuation: row.continuation === true,
    runId: row.run_id === null || row.run_id === undefined ? null : String(row.run_id),
    records: String(row.records),
  }));
}
