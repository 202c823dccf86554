import type pg from 'pg';
import type { FlowMetrics, Graph, MetricsPoint } from '@sluice/shared';
import { nodeKinds, percentile } from './stats.js';

/**
 * A flow's time series from the per-second stats buckets, summed into steps: records in at the
 * sources, deliveries at the sinks, sink latency percentiles, error rate (dead letters over records
 * in) and the validators' pass rate. Steps with no traffic have zero rates and null ratios.
 */
export async function getFlowMetrics(pool: pg.Pool, flowId: string, graph: Graph, minutes: number, step?: number): Promise<FlowMetrics> {
  const stepSeconds = step ?? Math.max(1, Math.ceil((minutes * 60) / 180));
  const to = Math.floor(Date.now() / 1000 / stepSeconds) * stepSeconds;
  const from = to - Math.ceil((minutes * 60) / stepSeconds) * stepSeconds + stepSeconds;
  const kinds = nodeKinds(graph);
  const { rows } = await pool.query(
    `SELECT (floor(extract(epoch FROM bucket) / $3) * $3)::bigint AS t, node_id,
            sum(records_in)::bigint AS records_in, sum(errors)::bigint AS errors, sum(dead_lettered)::bigint AS dead_lettered,
            sum(coalesce((records_out->>'delivered')::bigint, 0))::bigint AS delivered,
            sum(coalesce((records_out->>'valid')::bigint, 0))::bigint AS valid
     FROM node_stats_series
     WHERE flow_id = $1 AND bucket >= to_timestamp($2)
     GROUP BY 1, 2`,
    [flowId, from, stepSeconds],
  );
  const sinkIds = [...kinds].filter(([, k]) => k === 'sink').map(([id]) => id);
  const { rows: latencyRows } = sinkIds.length
    ? await pool.query(
        `SELECT (floor(extract(epoch FROM bucket) / $3) * $3)::bigint AS t, u.i::int AS i, sum(u.v)::bigint AS n
         FROM node_stats_series s, unnest(s.latency) WITH ORDINALITY AS u(v, i)
         WHERE s.flow_id = $1 AND s.bucket >= to_timestamp($2) AND s.node_id = ANY($4)
         GROUP BY 1, 2`,
        [flowId, from, stepSeconds, sinkIds],
      )
    : { rows: [] };

  interface Acc { in: number; delivered: number; deadLettered: number; valid: number; validatorIn: number; latency: number[] }
  const steps = new Map<number, Acc>();
  const acc = (t: number): Acc => {
    let a = steps.get(t);
    if (!a) {
      a = { in: 0, delivered: 0, deadLettered: 0, valid: 0, validatorIn: 0, latency: [] };
      steps.set(t, a);
    }
    return a;
  };
  for (const row of rows) {
    const a = acc(Number(row.t));
    const kind = kinds.get(String(row.node_id));
    const recordsIn = Number(row.records_in);
    a.deadLettered += Number(row.dead_lettered);
    if (kind === 'source') a.in += recordsIn;
    if (kind === 'sink') a.delivered += Number(row.delivered);
    if (kind === 'validate') {
      a.valid += Number(row.valid);
      a.validatorIn += recordsIn;
    }
  }
  for (const row of latencyRows) {
    const a = acc(Number(row.t));
    a.latency[Number(row.i) - 1] = (a.latency[Number(row.i) - 1] ?? 0) + Number(row.n);
  }

  const points: MetricsPoint[] = [];
  for (let t = from; t <= to; t += stepSeconds) {
    const a = steps.get(t);
    const latency = a ? Array.from(a.latency, (v) => v ?? 0) : [];
    points.push({
      t: t * 1000,
      recordsPerSecond: a ? a.in / stepSeconds : 0,
      deliveredPerSecond: a ? a.delivered / stepSeconds : 0,
      latencyP50: percentile(latency, 0.5),
      latencyP95: percentile(latency, 0.95),
      latencyP99: percentile(latency, 0.99),
      errorRate: a && a.in > 0 ? Math.min(1, a.deadLettered / a.in) : null,
      validationPassRate: a && a.validatorIn > 0 ? a.valid / a.validatorIn : null,
    });
  }
  return { flowId, stepSeconds, from: from * 1000, to: to * 1000, points };
}

/** Records/s into each flow's sources and its error rate, over the last minute, for the flows list. */
export async function recentFlowFigures(pool: pg.Pool, graphs: Map<string, Graph>): Promise<Map<string, { recordsPerSecond: number; errorRate: number | null }>> {
  const { rows } = await pool.query(
    `SELECT flow_id, node_id, sum(records_in)::bigint AS records_in, sum(dead_lettered)::bigint AS dead_lettered
     FROM node_stats_series WHERE bucket > now() - interval '60 seconds' GROUP BY 1, 2`,
  );
  const figures = new Map<string, { in: number; deadLettered: number }>();
  for (const row of rows) {
    const graph = graphs.get(String(row.flow_id));
    if (!graph) continue;
    const f = figures.get(String(row.flow_id)) ?? { in: 0, deadLettered: 0 };
    f.deadLettered += Number(row.dead_lettered);
    if (nodeKinds(graph).get(String(row.node_id)) === 'source') f.in += Number(row.records_in);
    figures.set(String(row.flow_id), f);
  }
  return new Map(
    [...graphs.keys()].map((id) => {
      const f = figures.get(id);
      return [id, { recordsPerSecond: f ? f.in / 60 : 0, errorRate: f && f.in > 0 ? Math.min(1, f.deadLettered / f.in) : null }];
    }),
  );
}
