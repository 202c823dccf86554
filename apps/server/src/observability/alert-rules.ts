// The seed's five alert rules: what each measures for one deployed flow, from the per-second stats
// the workers flush (node_stats_series) and the chunks table, and whether that breaches the flow's
// threshold. Pure decisions live in `judge`; the SQL is in `measureFlow`.
import type pg from 'pg';
import { alertRuleSettings, type AlertRule, type FlowSettings, type Graph } from '@sluice/shared';
import { nodeKinds, percentile } from '../storage/stats.js';
import { flowQuality } from '../storage/quality.js';

/** A flow had traffic if records came in within this long (data_flow_stopped). */
const TRAFFIC_LOOKBACK_SECONDS = 3600;

export interface FlowMeasure {
  /** Per window (seconds): records in at the sources, errors at every node, whether any node moved. */
  windows: Map<number, { sourceIn: number; errors: number; anyActivity: boolean }>;
  /** Sink latency histogram per window (LATENCY_BUCKETS_MS counts). */
  latency: Map<number, number[]>;
  /** Records in at the sources within the traffic lookback. */
  recentIn: number;
  /** Seconds since the last record came in, null when none within the lookback. */
  secondsSinceTraffic: number | null;
  /** The worst of completeness, accuracy and consistency over the quality rule's window; null with nothing measured. */
  quality: { value: number | null; worst: string | null };
  /** Records accepted and not finished. */
  backlog: number;
  /** Age in seconds of the oldest chunk whose time to run has come; null when none. */
  oldestDueChunkSeconds: number | null;
}

export interface Judgement {
  breaching: boolean;
  value: number | null;
  threshold: number;
  message: string;
}

/** Reads what the rules need for one flow, with one query per concern. */
export async function measureFlow(pool: pg.Pool, flowId: string, graph: Graph, settings: FlowSettings): Promise<FlowMeasure> {
  const kinds = nodeKinds(graph);
  const windows = [...new Set(RULES.map((rule) => alertRuleSettings(settings.alerts, rule).windowSeconds))];
  const slaWindow = alertRuleSettings(settings.alerts, 'sla_breach').windowSeconds;
  const sinkIds = [...kinds].filter(([, k]) => k === 'sink').map(([id]) => id);
  const sourceIds = [...kinds].filter(([, k]) => k === 'source').map(([id]) => id);
  const qualityWindow = alertRuleSettings(settings.alerts, 'data_quality_degradation').windowSeconds;
  const [counts, latency, traffic, queue, quality] = await Promise.all([
    pool.query(
      `SELECT w.secs, s.node_id, sum(s.records_in)::bigint AS records_in, sum(s.errors)::bigint AS errors, count(*)::bigint AS buckets
       FROM unnest($2::int[]) AS w(secs)
       JOIN node_stats_series s ON s.flow_id = $1 AND s.bucket > now() - make_interval(secs => w.secs)
       GROUP BY w.secs, s.node_id`,
      [flowId, windows],
    ),
    sinkIds.length === 0
      ? Promise.resolve({ rows: [] })
      : pool.query(
          `SELECT u.i::int AS i, sum(u.v)::bigint AS n
           FROM node_stats_series s, unnest(s.latency) WITH ORDINALITY AS u(v, i)
           WHERE s.flow_id = $1 AND s.node_id = ANY($2) AND s.bucket > now() - make_interval(secs => $3)
           GROUP BY u.i`,
          [flowId, sinkIds, slaWindow],
        ),
    pool.query(
      `SELECT coalesce(sum(records_in), 0)::bigint AS n, extract(epoch FROM now() - max(bucket) FILTER (WHERE records_in > 0))::float AS age
       FROM node_stats_series WHERE flow_id = $1 AND node_id = ANY($2) AND bucket > now() - make_interval(secs => $3)`,
      [flowId, sourceIds, TRAFFIC_LOOKBACK_SECONDS],
    ),
    pool.query(
      `SELECT coalesce(sum(record_count), 0)::bigint AS backlog,
              extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now()))::float AS oldest_due
       FROM chunks WHERE flow_id = $1`,
      [flowId],
    ),
    flowQuality(pool, [{ id: flowId, graph, settings }], [qualityWindow]),
  ]);
  const q = quality.get(flowId)!.windows[0]!;
  const shares = (['completeness', 'accuracy', 'consistency'] as const).filter((k) => q[k] !== null).map((k) => ({ k, v: q[k]! }));
  const worst = shares.length ? shares.reduce((a, b) => (b.v < a.v ? b : a)) : null;
  const measure: FlowMeasure = {
    windows: new Map(windows.map((w) => [w, { sourceIn: 0, errors: 0, anyActivity: false }])),
    latency: new Map([[slaWindow, []]]),
    recentIn: Number(traffic.rows[0]?.n ?? 0),
    secondsSinceTraffic: traffic.rows[0]?.age == null ? null : Number(traffic.rows[0].age),
    quality: { value: worst?.v ?? null, worst: worst?.k ?? null },
    backlog: Number(queue.rows[0]?.backlog ?? 0),
    oldestDueChunkSeconds: queue.rows[0]?.oldest_due == null ? null : Number(queue.rows[0].oldest_due),
  };
  for (const row of counts.rows) {
    const w = measure.windows.get(Number(row.secs))!;
    w.errors += Number(row.errors);
    w.anyActivity ||= Number(row.buckets) > 0;
    if (kinds.get(String(row.node_id)) === 'source') w.sourceIn += Number(row.records_in);
  }
  const histogram = measure.latency.get(slaWindow)!;
  for (const row of latency.rows) histogram[Number(row.i) - 1] = Number(row.n);
  for (let i = 0; i < histogram.length; i++) histogram[i] ??= 0;
  return measure;
}

export const RULES = ['data_flow_stopped', 'high_error_rate', 'sla_breach', 'data_quality_degradation', 'queue_backlog_growing'] as const satisfies readonly AlertRule[];

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Whether one rule breaches for one flow, with the value it measured and a line for people. */
export function judge(rule: AlertRule, m: FlowMeasure, settings: FlowSettings): Judgement {
  const s = alertRuleSettings(settings.alerts, rule);
  const w = m.windows.get(s.windowSeconds)!;
  switch (rule) {
    case 'data_flow_stopped': {
      const quiet = m.recentIn > 0 && (m.secondsSinceTraffic ?? 0) > s.windowSeconds;
      const stuck = m.oldestDueChunkSeconds !== null && m.oldestDueChunkSeconds > s.windowSeconds && !w.anyActivity;
      const value = m.secondsSinceTraffic === null ? null : Math.round(m.secondsSinceTraffic);
      if (stuck) return { breaching: true, value, threshold: s.windowSeconds, message: `records have waited ${Math.round(m.oldestDueChunkSeconds!)} s and no worker has moved any of them for ${s.windowSeconds} s` };
      if (quiet) return { breaching: true, value, threshold: s.windowSeconds, message: `no records in for ${value} s (the flow had traffic in the last hour; window ${s.windowSeconds} s)` };
      return { breaching: false, value, threshold: s.windowSeconds, message: m.recentIn > 0 ? 'records are flowing' : 'no traffic in the last hour' };
    }
    case 'high_error_rate': {
      // Failed attempts over records in; errors with nothing new coming in (retries failing) count as all failing.
      const value = w.sourceIn > 0 ? w.errors / w.sourceIn : w.errors > 0 ? 1 : null;
      const breaching = value !== null && value > s.threshold;
      return { breaching, value, threshold: s.threshold, message: value === null ? `no records in the last ${s.windowSeconds} s` : `error rate ${percent(value)} over ${s.windowSeconds} s (${w.errors} errors, ${w.sourceIn} records in; threshold ${percent(s.threshold)})` };
    }
    case 'sla_breach': {
      const value = percentile(m.latency.get(s.windowSeconds) ?? [], 0.95);
      const breaching = value !== null && value > s.threshold;
      return { breaching, value, threshold: s.threshold, message: value === null ? `nothing delivered in the last ${s.windowSeconds} s` : `p95 end-to-end latency ≤ ${value} ms over ${s.windowSeconds} s (threshold ${s.threshold} ms)` };
    }
    case 'data_quality_degradation': {
      const { value, worst } = m.quality;
      const breaching = value !== null && value < s.threshold;
      return { breaching, value, threshold: s.threshold, message: value === null ? `no records measured in the last ${s.windowSeconds} s` : `${worst} ${percent(value)} over ${s.windowSeconds} s (target ${percent(s.threshold)})` };
    }
    case 'queue_backlog_growing': {
      const value = m.backlog;
      return { breaching: value > s.threshold, value, threshold: s.threshold, message: `${value} records waiting (threshold ${s.threshold})` };
    }
  }
}
