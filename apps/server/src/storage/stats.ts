import type pg from 'pg';
import { findNodeType } from '@sluice/nodes';
import { LATENCY_BUCKETS_MS, type FlowStats, type Graph, type Latency, type NodeStats } from '@sluice/shared';

/** Each node's kind (source, transform, validate, route, sink) from the node type registry. */
export function nodeKinds(graph: Graph): Map<string, string | undefined> {
  return new Map(graph.nodes.map((n) => [n.id, findNodeType(n.type)?.kind]));
}

/** A percentile from a bucketed histogram: the upper bound of the bucket it falls in. */
export function percentile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i]! : LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]! * 2;
  }
  return null;
}

function latencyOf(buckets: readonly number[]): Latency {
  return { p50: percentile(buckets, 0.5), p95: percentile(buckets, 0.95), p99: percentile(buckets, 0.99) };
}

/**
 * A flow's figures: counters from the workers' flushes, and the exact ones (queued, pending dead
 * letters) from the tables. `sourceIds` name the nodes whose input counts as ingested.
 */
export async function getFlowStats(pool: pg.Pool, flowId: string, graph: Graph, sourceIds: ReadonlySet<string>, sinkIds: ReadonlySet<string>): Promise<FlowStats> {
  const { rows } = await pool.query(
    `SELECT 'n' AS kind, node_id, records_in, records_out, errors, dead_lettered, latency, NULL::bigint AS n
       FROM node_stats WHERE flow_id = $1
     UNION ALL
     SELECT 'q', node_id, NULL, NULL, NULL, NULL, NULL, sum(record_count)::bigint FROM chunks WHERE flow_id = $1 GROUP BY node_id
     UNION ALL
     SELECT 'r', node_id, NULL, NULL, NULL, NULL, NULL, sum(records_in)::bigint FROM node_stats_series
       WHERE flow_id = $1 AND bucket > now() - interval '10 seconds' GROUP BY node_id
     UNION ALL
     SELECT 'd', NULL, NULL, NULL, NULL, NULL, NULL, count(*) FROM dead_letters WHERE flow_id = $1 AND status = 'pending'`,
    [flowId],
  );
  const nodes = new Map<string, NodeStats>();
  const node = (nodeId: string): NodeStats => {
    let n = nodes.get(nodeId);
    if (!n) {
      n = { nodeId, in: 0, out: {}, errors: 0, deadLettered: 0, queued: 0, latencyMs: { p50: null, p95: null, p99: null } };
      nodes.set(nodeId, n);
    }
    return n;
  };
  for (const n of graph.nodes) node(n.id);
  let recentIn = 0;
  let pendingDeadLetters = 0;
  for (const row of rows) {
    if (row.kind === 'd') {
      pendingDeadLetters = Number(row.n);
      continue;
    }
    const n = node(String(row.node_id));
    if (row.kind === 'n') {
      n.in = Number(row.records_in);
      n.out = row.records_out as Record<string, number>;
      n.errors = Number(row.errors);
      n.deadLettered = Number(row.dead_lettered);
      n.latencyMs = latencyOf((row.latency as number[]).map(Number));
    } else if (row.kind === 'q') {
      n.queued = Number(row.n);
    } else if (row.kind === 'r' && sourceIds.has(String(row.node_id))) {
      recentIn += Number(row.n);
    }
  }
  const list = [...nodes.values()];
  const sum = (f: (n: NodeStats) => number, only?: ReadonlySet<string>) =>
    list.filter((n) => !only || only.has(n.nodeId)).reduce((a, n) => a + f(n), 0);
  return {
    flowId,
    nodes: list,
    totals: {
      ingested: sum((n) => n.in, sourceIds),
      delivered: sum((n) => n.out.delivered ?? 0, sinkIds),
      deadLettered: sum((n) => n.deadLettered),
      pendingDeadLetters,
      queued: sum((n) => n.queued),
      errors: sum((n) => n.errors),
      recordsPerSecond: recentIn / 10,
    },
    at: new Date().toISOString(),
  };
}

/** Stats for a flow, with its source and sink nodes taken from its current graph. */
export async function loadFlowStats(pool: pg.Pool, flowId: string, graph: Graph): Promise<FlowStats> {
  const kinds = nodeKinds(graph);
  const ids = (kind: string) => new Set([...kinds].filter(([, k]) => k === kind).map(([id]) => id));
  return getFlowStats(pool, flowId, graph, ids('source'), ids('sink'));
}
