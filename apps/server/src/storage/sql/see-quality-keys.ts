import type { SqlClient } from '@sluice/nodes';

/**
 * Records the latest sighting of each duplicate key and returns, per key in order, how many seconds
 * ago another record had it (null for a first sighting, or when the same record is seen again after a
 * replay). One statement per chunk.
 */
export async function seeQualityKeys(client: SqlClient, flowId: string, keys: { keyHash: string; recordId: string }[]): Promise<(number | null)[]> {
  if (keys.length === 0) return [];
  const { rows } = await client.query(
    `WITH input AS (
       SELECT k.key_hash, k.record_id::uuid AS record_id, k.ord FROM jsonb_to_recordset($2::jsonb) AS k(key_hash text, record_id text, ord int)
     ), previous AS (
       SELECT i.ord, q.record_id <> i.record_id AS other, extract(epoch FROM now() - q.seen_at)::float AS age
       FROM input i JOIN quality_keys q ON q.flow_id = $1 AND q.key_hash = i.key_hash
     ), upsert AS (
       INSERT INTO quality_keys AS q (flow_id, key_hash, record_id, seen_at)
       SELECT $1, key_hash, record_id, now() FROM input
       ON CONFLICT (flow_id, key_hash) DO UPDATE SET record_id = excluded.record_id, seen_at = excluded.seen_at
       WHERE q.record_id <> excluded.record_id
     )
     SELECT i.ord, CASE WHEN p.other THEN p.age END AS age FROM input i LEFT JOIN previous p ON p.ord = i.ord ORDER BY i.ord`,
    [flowId, JSON.stringify(keys.map((k, ord) => ({ key_hash: k.keyHash, record_id: k.recordId, ord })))],
  );
  return rows.map((r) => (r.age === null || r.age === undefined ? null : Number(r.age)));
}
