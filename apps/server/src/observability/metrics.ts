// Prometheus metrics (prom-client). Values are cluster-wide: they are read from the tables every
// worker flushes to at scrape time, not from this process's memory. Labels stay bounded: flow and
// node ids, ports, never record ids or data.
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FlowSettingsSchema, LATENCY_BUCKETS_MS, QUALITY_WINDOWS, type Graph } from '@sluice/shared';
import { flowQuality } from '../storage/quality.js';
import { nodeKinds } from '../storage/stats.js';
import { DEAD_AFTER_MS } from '../engine/reaper.js';

/** Buckets of the end-to-end histogram, in ms (the seed's), all of them bounds of the stats buckets. */
export const E2E_BUCKETS_MS = [100, 500, 1000, 5000, 10_000] as const;

/** How long the data quality gauges are reused between scrapes, ms. */
const QUALITY_REFRESH_MS = 15_000;

export function createMetricsRegistry(pool: pg.Pool) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_process_' });

  const recordsIn = new Counter({ name: 'sluice_records_in_total', help: 'Records into a node (counted once per record, not per retry).', labelNames: ['flow', 'node'], registers: [registry] });
  const recordsOut = new Counter({ name: 'sluice_records_out_total', help: 'Records out of a node, per output port (sinks: delivered).', labelNames: ['flow', 'node', 'port'], registers: [registry] });
  const errors = new Counter({ name: 'sluice_processing_errors_total', help: 'Failed attempts at a node, by class: 4xx, 5xx (HTTP status), timeout, connection, invalid (a record the node could not process), other.', labelNames: ['flow', 'node', 'class'], registers: [registry] });
  const validation = new Counter({ name: 'sluice_validation_failures_total', help: 'Records a validator sent to its invalid port, by the rule they broke (a record breaking two rules counts under both; a JSON Schema is the rule "schema").', labelNames: ['flow', 'node', 'rule'], registers: [registry] });
  const retries = new Counter({ name: 'sluice_retries_total', help: 'Records scheduled to be tried again at a node after a transient failure.', labelNames: ['flow', 'node'], registers: [registry] });
  const ingestRequests = new Counter({ name: 'sluice_ingest_requests_total', help: 'Ingest calls answered, by HTTP status, across every server process (flow is empty for answers other than 202 and 429).', labelNames: ['flow', 'status'], registers: [registry] });
  const deadLettered = new Counter({ name: 'sluice_dead_lettered_total', help: 'Records dead-lettered at a node.', labelNames: ['flow', 'node'], registers: [registry] });
  const e2eBucket = new Gauge({ name: 'sluice_end_to_end_processing_time_ms_bucket', help: 'Records delivered by sinks within `le` ms of being received (cumulative, like a histogram bucket).', labelNames: ['flow', 'le'], registers: [registry] });
  const rate = new Gauge({ name: 'sluice_records_per_second', help: 'Records into the flow per second over the last 10 s.', labelNames: ['flow'], registers: [registry] });
  const backlog = new Gauge({ name: 'sluice_queue_backlog', help: 'Records accepted and not yet finished.', labelNames: ['flow'], registers: [registry] });
  const pending = new Gauge({ name: 'sluice_dead_letters_pending', help: 'Dead letters waiting for an analyst.', labelNames: ['flow'], registers: [registry] });
  const workers = new Gauge({ name: 'sluice_workers', help: 'Worker processes with a fresh heartbeat.', registers: [registry] });
  const heartbeatAge = new Gauge({ name: 'sluice_worker_heartbeat_age_seconds', help: 'Seconds since each worker process last said it was alive.', labelNames: ['worker'], registers: [registry] });

  const quality = {
    completeness: new Gauge({ name: 'sluice_data_quality_completeness', help: 'Share of records with every required field present and non-empty, per window (5m, 1h, 24h).', labelNames: ['flow', 'window'], registers: [registry] }),
    accuracy: new Gauge({ name: 'sluice_data_quality_accuracy', help: 'Share of records passing the validators, per window.', labelNames: ['flow', 'window'], registers: [registry] }),
    consistency: new Gauge({ name: 'sluice_data_quality_consistency', help: 'Share of records passing the consistency rules and not duplicated, per window.', labelNames: ['flow', 'window'], registers: [registry] }),
    freshnessSeconds: new Gauge({ name: 'sluice_data_quality_freshness_seconds', help: 'Mean age of records when processed (now − event time), per window.', labelNames: ['flow', 'window'], registers: [registry] }),
  };
  const windowLabel = (secs: number) => (secs % 3600 === 0 ? `${secs / 3600}h` : `${secs / 60}m`);

  // Quality reads up to 24 h of per-second buckets for every deployed flow: computed at most every
  // QUALITY_REFRESH_MS per process, however often Prometheus scrapes.
  let qualityCache: { at: number; value: Promise<Awaited<ReturnType<typeof flowQuality>>> } | null = null;
  const qualityOf = (deployed: { id: string; graph: Graph; settings: unknown }[]) => {
    if (!qualityCache || Date.now() - qualityCache.at > QUALITY_REFRESH_MS) {
      const value = flowQuality(pool, deployed.map((f) => ({ id: f.id, graph: f.graph, settings: FlowSettingsSchema.parse(f.settings) })), QUALITY_WINDOWS);
      qualityCache = { at: Date.now(), value };
      value.catch(() => (qualityCache = null));
    }
    return qualityCache.value;
  };

  // One read of the tables per scrape fills every metric.
  const refresh = async () => {
    const { rows: deployed } = await pool.query<{ id: string; graph: Graph; settings: unknown }>(`SELECT id, graph, settings FROM flows WHERE status = 'deployed'`);
    const [stats, series, queue, letters, beats, ingest, qualities] = await Promise.all([
      pool.query(`SELECT s.flow_id, s.node_id, s.records_in, s.records_out, s.errors, s.dead_lettered, s.latency, s.counts, f.graph
                  FROM node_stats s JOIN flows f ON f.id = s.flow_id`),
      pool.query(`SELECT flow_id, node_id, sum(records_in)::bigint AS n FROM node_stats_series
                  WHERE bucket > now() - interval '10 seconds' GROUP BY flow_id, node_id`),
      // Deployed flows show a backlog even when it is 0 (an absent series reads as "no data").
      pool.query(`SELECT f.id AS flow_id, coalesce(sum(c.record_count), 0)::bigint AS n FROM flows f LEFT JOIN chunks c ON c.flow_id = f.id
                  WHERE f.status = 'deployed' OR c.flow_id IS NOT NULL GROUP BY f.id`),
      pool.query(`SELECT flow_id, count(*)::bigint AS n FROM dead_letters WHERE status = 'pending' GROUP BY flow_id`),
      pool.query('SELECT id, extract(epoch FROM now() - heartbeat_at)::float AS age FROM worker_processes'),
      pool.query('SELECT flow_key, status, count FROM ingest_request_counts'),
      qualityOf(deployed),
    ]);
    for (const gauge of Object.values(quality)) gauge.reset();
    for (const [flow, q] of qualities) {
      for (const w of q.windows) {
        const labels = { flow, window: windowLabel(w.windowSeconds) };
        for (const key of ['completeness', 'accuracy', 'consistency', 'freshnessSeconds'] as const) {
          const v = w[key];
          if (v !== null) quality[key].set(labels, v);
        }
      }
    }
    for (const m of [recordsIn, recordsOut, errors, validation, retries, ingestRequests, deadLettered, e2eBucket, rate, backlog, pending, heartbeatAge]) m.reset();
    // Node kinds come from the registry, per flow graph, computed once per scrape.
    const kindsByFlow = new Map<string, Map<string, string | undefined>>();
    for (const row of stats.rows) if (!kindsByFlow.has(String(row.flow_id))) kindsByFlow.set(String(row.flow_id), nodeKinds(row.graph as Graph));
    const kindOf = (flowId: string, nodeId: string) => kindsByFlow.get(flowId)?.get(nodeId);
    for (const row of stats.rows) {
      const labels = { flow: String(row.flow_id), node: String(row.node_id) };
      recordsIn.inc(labels, Number(row.records_in));
      for (const [port, n] of Object.entries(row.records_out as Record<string, number>)) recordsOut.inc({ ...labels, port }, Number(n));
      const counts = (row.counts ?? {}) as Record<string, number>;
      const byPrefix = (prefix: string) => Object.entries(counts).filter(([k]) => k.startsWith(prefix)).map(([k, n]) => [k.slice(prefix.length), Number(n)] as const);
      // Errors counted before classes were kept (or by an older worker) show as class "other".
      let unclassified = Number(row.errors);
      for (const [errorClass, n] of byPrefix('class:')) {
        errors.inc({ ...labels, class: errorClass }, n);
        unclassified -= n;
      }
      if (unclassified > 0) errors.inc({ ...labels, class: 'other' }, unclassified);
      if (counts.retries) retries.inc(labels, Number(counts.retries));
      deadLettered.inc(labels, Number(row.dead_lettered));
      const invalid = (row.records_out as Record<string, number>).invalid ?? 0;
      const kind = kindOf(labels.flow, labels.node);
      if (kind === 'validate') {
        const rules = byPrefix('rule:');
        for (const [rule, n] of rules) validation.inc({ ...labels, rule }, n);
        const failed = Number(invalid) + Number(row.dead_lettered);
        if (rules.length === 0 && failed > 0) validation.inc({ ...labels, rule: 'unspecified' }, failed);
      }
      if (kind === 'sink') {
        const buckets = (row.latency as number[]).map(Number);
        for (const le of E2E_BUCKETS_MS) {
          const upTo = LATENCY_BUCKETS_MS.indexOf(le);
          e2eBucket.inc({ flow: labels.flow, le: String(le) }, buckets.slice(0, upTo + 1).reduce((a, b) => a + b, 0));
        }
        e2eBucket.inc({ flow: labels.flow, le: '+Inf' }, buckets.reduce((a, b) => a + b, 0));
      }
    }
    for (const row of series.rows) {
      if (kindOf(String(row.flow_id), String(row.node_id)) === 'source') rate.inc({ flow: String(row.flow_id) }, Number(row.n) / 10);
    }
    for (const row of ingest.rows) ingestRequests.inc({ flow: String(row.flow_key), status: String(row.status) }, Number(row.count));
    for (const row of queue.rows) backlog.set({ flow: String(row.flow_id) }, Number(row.n));
    for (const row of letters.rows) pending.set({ flow: String(row.flow_id) }, Number(row.n));
    workers.set(beats.rows.filter((r) => Number(r.age) * 1000 < DEAD_AFTER_MS).length);
    for (const row of beats.rows) heartbeatAge.set({ worker: String(row.id) }, Number(row.age));
  };
  return Object.assign(registry, { refresh });
}

export type MetricsRegistry = ReturnType<typeof createMetricsRegistry>;
