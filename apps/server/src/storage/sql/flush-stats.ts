import type { SqlClient } from '@sluice/nodes';

/** Counts gathered for one (flow, node) in one second. */
export interface StatsDelta {
  flowId: string;
  nodeId: string;
  /** Start of the one-second bucket, ISO. */
  bucket: string;
  in: number;
  out: Record<string, number>;
  errors: number;
  deadLettered: number;
  /** Counts per latency bucket (LATENCY_BUCKETS_MS plus one overflow bucket). */
  latency: number[];
  /** Counts by bounded key (see NodeCounters). */
  counts: Record<string, number>;
}

/**
 * Adds the deltas to the per-second series and to the running totals, in one statement, and
 * announces the flows that moved. Rows for flows deleted meanwhile are skipped.
 */
export async function flushStats(client: SqlClient, deltas: StatsDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const rows = deltas.map((d) => ({
    flow_id: d.flowId,
    node_id: d.nodeId,
    bucket: d.bucket,
    records_in: d.in,
    records_out: d.out,
    errors: d.errors,
    dead_lettered: d.deadLettered,
    latency: d.latency,
    counts: d.counts,
  }));
  const totals = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const key = `${row.flow_id}\u0000${row.node_id}`;
    const total = totals.get(key);
    if (!total) {
      totals.set(key, { ...row, records_out: { ...row.records_out }, latency: [...row.latency], counts: { ...row.counts } });
      continue;
    }
    total.records_in += row.records_in;
    total.errors += row.errors;
    total.dead_lettered += row.dead_lettered;
    for (const [port, n] of Object.entries(row.records_out)) total.records_out[port] = (total.records_out[port] ?? 0) + n;
    row.latency.forEach((n, i) => (total.latency[i] = (total.latency[i] ?? 0) + n));
    for (const [k, n] of Object.entries(row.counts)) total.counts[k] = (total.counts[k] ?? 0) + n;
  }
  const flowIds = [...new Set(deltas.map((d) => d.flowId))];
  const columns = `flow_id uuid, node_id text, bucket timestamptz, records_in bigint, records_out jsonb, errors bigint,
                   dead_lettered bigint, latency bigint[], counts jsonb`;
  await client.query(
    `WITH series AS (
       INSERT INTO node_stats_series AS s (flow_id, node_id, bucket, records_in, records_out, errors, dead_lettered, latency, counts)
       SELECT x.flow_id, x.node_id, x.bucket, x.records_in, x.records_out, x.errors, x.dead_lettered, x.latency, coalesce(x.counts, '{}')
       FROM jsonb_to_recordset($1::jsonb) AS x(${columns})
       WHERE EXISTS (SELECT 1 FROM flows f WHERE f.id = x.flow_id)
       ON CONFLICT (flow_id, node_id, bucket) DO UPDATE SET
         records_in = s.records_in + excluded.records_in,
         records_out = sluice_add_counts(s.records_out, excluded.records_out),
         errors = s.errors + excluded.errors,
         dead_lettered = s.dead_lettered + excluded.dead_lettered,
         latency = sluice_add_arrays(s.latency, excluded.latency),
         counts = sluice_add_counts(s.counts, excluded.counts)
     )
     INSERT INTO node_stats AS n (flow_id, node_id, records_in, records_out, errors, dead_lettered, latency, counts, updated_at)
     SELECT x.flow_id, x.node_id, x.records_in, x.records_out, x.errors, x.dead_lettered, x.latency, coalesce(x.counts, '{}'), now()
     FROM jsonb_to_recordset($2::jsonb) AS x(${columns})
     WHERE EXISTS (SELECT 1 FROM flows f WHERE f.id = x.flow_id)
     ON CONFLICT (flow_id, node_id) DO UPDATE SET
       records_in = n.records_in + excluded.records_in,
       records_out = sluice_add_counts(n.records_out, excluded.records_out),
       errors = n.errors + excluded.errors,
       dead_lettered = n.dead_lettered + excluded.dead_lettered,
       latency = sluice_add_arrays(n.latency, excluded.latency),
       counts = sluice_add_counts(n.counts, excluded.counts),
       updated_at = now()`,
    [JSON.stringify(rows), JSON.stringify([...totals.values()])],
  );
  await client.query("SELECT pg_notify('sluice_stats', $1)", [JSON.stringify(flowIds)]);
}
