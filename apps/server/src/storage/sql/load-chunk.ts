import type { SqlClient } from '@sluice/nodes';

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
  records: unknown;
}

/** The chunk behind a job, or null when its outcomes were already committed (a replayed job). */
export async function loadChunk(client: SqlClient, chunkId: number): Promise<LoadedChunk | null> {
  const { rows } = await client.query(
    'SELECT id, flow_id, version, node_id, attempt, continuation, run_id, records FROM chunks WHERE id = $1',
    [chunkId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    flowId: String(row.flow_id),
    version: Number(row.version),
    nodeId: String(row.node_id),
    attempt: Number(row.attempt),
    continuation: row.continuation === true,
    runId: row.run_id === null || row.run_id === undefined ? null : String(row.run_id),
    records: row.records,
  };
}
