import type { EngineRecord } from '@sluice/shared';
import { chunkRecordsJson } from './chunk-records.js';

export interface NewChunk {
  flowId: string;
  version: number;
  nodeId: string;
  attempt: number;
  /** The records as stored (chunkRecordsJson); serialised by the caller once. */
  recordsJson: string;
  recordCount: number;
  /** Set for retry chunks so that writing the same retry twice is a no-op. */
  retryKey: string | null;
  /** ISO time the chunk may run; null means now. */
  runAt: string | null;
  /** The graphile-worker queue (lane) of the job: see chunkQueue. */
  queue: string;
  /** Records a sink's time slice did not reach (see ExecuteOptions.sinkTimeSliceMs). Default false. */
  continuation?: boolean;
  /** The run that pulled the records; null or absent for pushed records. */
  runId?: string | null;
}

/** What chunks are written through: a pool, or a client inside a transaction. */
export interface ChunkWriter {
  query(statement: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Where new records enter: a node of a flow version, its lanes, and how its chunks are stored. */
export interface ChunkTarget {
  flowId: string;
  version: number;
  nodeId: string;
  chunkSize: number;
  parallelism: number;
  /** Flows that encrypt at rest: turns a chunk's JSON into its sealed JSON. */
  seal?: (json: string) => string;
  /** The run that pulled the records, when they came from one. */
  runId?: string;
}

/**
 * `records` as new chunks of at most `chunkSize` (first attempt, due now, no retry key), each
 * serialised once: what ingest, a run's page and a dead-letter retry all write.
 */
export function freshChunks(target: ChunkTarget, records: readonly EngineRecord[]): NewChunk[] {
  const chunks: NewChunk[] = [];
  for (let i = 0; i < records.length; i += target.chunkSize) {
    const slice = records.slice(i, i + target.chunkSize);
    const json = chunkRecordsJson(slice);
    chunks.push({
      flowId: target.flowId,
      version: target.version,
      nodeId: target.nodeId,
      attempt: 0,
      recordsJson: target.seal ? target.seal(json) : json,
      recordCount: slice.length,
      retryKey: null,
      runAt: null,
      queue: chunkQueue(target.flowId, target.parallelism),
      ...(target.runId === undefined ? {} : { runId: target.runId }),
    });
  }
  return chunks;
}

const nextLane = new Map<string, number>();

/**
 * A flow's chunks are spread round-robin over `parallelism` named queues ("lanes"). graphile-worker
 * runs one job per named queue at a time, so a flow never has more than `parallelism` chunks
 * running across all workers, and a slow flow cannot occupy every worker slot.
 */
export function chunkQueue(flowId: string, parallelism: number): string {
  const lane = nextLane.get(flowId) ?? Math.floor(Math.random() * parallelism);
  nextLane.set(flowId, lane + 1);
  return `flow:${flowId}:${lane % parallelism}`;
}

/**
 * Writes chunks and enqueues one `run_chunk` job per new chunk, in one statement: the records and
 * their jobs commit together or not at all. Returns how many chunks were new. A chunk's job has the
 * key `chunk:<id>`: a job ahead of it in its lane that takes the chunk along (loadChunks) removes
 * its job by that key (completeChunk). Which chunks can be taken along is loadChunks' rule alone.
 *
 * Fairness between flows: a job's priority is the number of chunks its flow already has waiting
 * (graphile-worker runs lower numbers first). A flow with a small backlog goes ahead of one that
 * is behind (a slow sink, a big burst), so one flow's backlog never holds up the others.
 */
export async function insertChunks(client: ChunkWriter, chunks: NewChunk[]): Promise<number> {
  if (chunks.length === 0) return 0;
  // The chunks' records as UTF-8, end to end, and where each starts.
  const texts = chunks.map((c) => Buffer.from(c.recordsJson));
  const at: number[] = [];
  let offset = 1; // bytea positions count from 1
  for (const text of texts) {
    at.push(offset);
    offset += text.length;
  }
  // Named: every commit runs it (ingest's group commits, pages, retries), so each connection parses
  // and analyses it once (a commit of 100 records: 2.6–3.0 → 2.3 ms). Postgres still plans it per
  // call (0.3 ms): with `unnest` of a parameter the generic plan expects 10 rows and looks dearer.
  // Of its 1.3 ms of execution, add_jobs takes 0.7 (bench/RESULTS.md, session 6).
  const result = await client.query({
    name: 'sluice_insert_chunks',
    text: `WITH new_chunks AS (
       INSERT INTO chunks (flow_id, version, node_id, attempt, records, record_count, retry_key, run_at, queue_name, continuation, run_id)
       SELECT f, v, n, a, convert_from(substring($5::bytea FROM at FOR len), 'UTF8'), c, k, coalesce(t, now()), q, coalesce(cont, false), run
       -- The records go as one bytea of the chunks' texts end to end ($5), cut by byte offset and
       -- length: no escaping on the way in (a text[] literal escapes every quote), no JSON parse
       -- (json_array_elements of one array parsed it all twice). convert_from checks the UTF-8.
       -- What jsonb cannot hold (a NUL, a lone surrogate) was refused before (parseIngestBody,
       -- checkStorableRecords): the dead letters and sinks that get these records are jsonb.
       FROM ROWS FROM (unnest($1::uuid[]), unnest($2::int[]), unnest($3::text[]), unnest($4::int[]), unnest($6::int[]), unnest($7::int[]),
                       unnest($8::int[]), unnest($9::text[]), unnest($10::timestamptz[]), unnest($11::text[]), unnest($12::boolean[]), unnest($13::uuid[]))
         AS x(f, v, n, a, at, len, c, k, t, q, cont, run)
       ON CONFLICT (retry_key) DO NOTHING
       RETURNING id, run_at, queue_name, flow_id
     ), waiting AS (
       -- Chunks each flow already has waiting (this statement's own rows are not visible here),
       -- counted up to the priority's cap: a backlog of many small chunks is not counted whole at
       -- every commit.
       SELECT f.flow_id, (SELECT count(*)::int FROM (SELECT 1 FROM chunks w WHERE w.flow_id = f.flow_id LIMIT 1000) x) AS n
       FROM (SELECT DISTINCT flow_id FROM new_chunks) f
     )
     SELECT count(*)::int AS n FROM graphile_worker.add_jobs(ARRAY(
       SELECT ROW('run_chunk', json_build_object('chunkId', c.id), c.queue_name, c.run_at, NULL, 'chunk:' || c.id,
                  least(coalesce(w.n, 0), 1000), NULL)::graphile_worker.job_spec
       FROM new_chunks c LEFT JOIN waiting w USING (flow_id)
     ))`,
    values: [
      chunks.map((c) => c.flowId),
      chunks.map((c) => c.version),
      chunks.map((c) => c.nodeId),
      chunks.map((c) => c.attempt),
      texts.length === 1 ? texts[0] : Buffer.concat(texts, offset - 1),
      at,
      texts.map((t) => t.length),
      chunks.map((c) => c.recordCount),
      chunks.map((c) => c.retryKey),
      chunks.map((c) => c.runAt),
      chunks.map((c) => c.queue),
      chunks.map((c) => c.continuation ?? false),
      chunks.map((c) => c.runId ?? null),
    ],
  });
  return Number(result.rows[0]?.n ?? 0);
}
