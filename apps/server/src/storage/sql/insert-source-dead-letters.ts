import type pg from 'pg';

export interface SourceDeadLetter {
  recordId: string;
  correlationId: string;
  receivedAt: string;
  /** The record as kept (already sealed for flows that encrypt at rest). */
  record: unknown;
  message: string;
}

/**
 * Dead letters at a source node for messages it could not take (a broker body that is not a
 * record): one statement for the batch. A message delivered again has the same record id, so it is
 * not dead-lettered twice. Returns how many were new.
 */
export async function insertSourceDeadLetters(pool: pg.Pool, source: { flowId: string; version: number; nodeId: string }, letters: SourceDeadLetter[]): Promise<number> {
  if (letters.length === 0) return 0;
  const { rowCount } = await pool.query(
    `INSERT INTO dead_letters (flow_id, version, node_id, record_id, correlation_id, received_at, record, error)
     SELECT $1::uuid, $2::int, $3, x.record_id, x.correlation_id, x.received_at, x.record, x.error
     FROM jsonb_to_recordset($4::jsonb) AS x(record_id uuid, correlation_id text, received_at timestamptz, record jsonb, error jsonb)
     ON CONFLICT (record_id, node_id, generation) DO NOTHING`,
    [
      source.flowId,
      source.version,
      source.nodeId,
      JSON.stringify(
        letters.map((l) => ({
          record_id: l.recordId,
          correlation_id: l.correlationId,
          received_at: l.receivedAt,
          record: l.record,
          error: { kind: 'invalid', message: l.message },
        })),
      ),
    ],
  );
  return rowCount ?? 0;
}
