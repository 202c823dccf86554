import type { SqlClient } from '@sluice/nodes';

/** Records accepted for a flow and not yet finished (all chunks still waiting or running). */
export async function flowBacklog(client: SqlClient, flowId: string): Promise<number> {
  const { rows } = await client.query(
    'SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks WHERE flow_id = $1',
    [flowId],
  );
  return Number(rows[0]?.n ?? 0);
}
