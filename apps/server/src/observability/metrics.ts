// Prometheus metrics (prom-client). Values are cluster-wide: they are read from the tables every
// worker flushes to at scrape time, not from this process's memory. Labels stay bounded: flow and
// node ids, ports, never record ids or data.
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, type Graph } from '@sluice/shared';
import { nodeKinds } from '../storage/stats.js';
import { DEAD_AFTER_MS } from '../engine/reaper.js';

/** Buckets of the end-to-end histogram, in ms (the seed's), all of them bounds of the stats buckets. */
export const E2E_BUCKETS_MS = [100, 500, 1000, 5000, 10_000] as const;

export function createMetricsRegistry(pool: pg.Pool) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_process_' });

  const recordsIn = new Counter({ name: 'sluice_records_in_total', help: 'Records into a node (counted once per record, not per retry).', labelNames: ['flow', 'node'], registers: [registry] });
  const recordsOut = new Counter({ name: 'sluice_records_out_total', help: 'Records out of a node, per output port (sinks: delivered).', labelNames: ['flow', 'node', 'port'], registers: [registry] });
  const errors = new Counter({ name: 'sluice_processing_errors_total', help: 'Failed attempts at a node (transient sink failures, transform errors).', labelNames: ['flow', 'node'], registers: [registry] });
  const validation = new Counter({ name: 'sluice_validation_failures_total', help: 'Records a validator sent to its invalid port.', labelNames: ['flow', 'node'], registers: [registry] });
  const deadLettered = new Counter({ name: 'sluice_dead_lettered_total', help: 'Records dead-lettered at a node.', labelNames: ['flow', 'node'], registers: [registry] });
  const e2eBucket = new Gauge({ name: 'sluice_end_to_end_processing_time_ms_bucket', help: 'Records delivered by sinks within `le` ms of being received (cumulative, like a histogram bucket).', labelNames: ['flow', 'le'], registers: [registry] });
  const rate = new Gauge({ name: 'sluice_records_per_second', help: 'Records into the flow per second over the last 10 s.', labelNames: ['flow'], registers: [registry] });
  const backlog = new Gauge({ name: 'sluice_queue_backlog', help: 'Records accepted and not yet finished.', labelNames: ['flow'], registers: [registry] });
  const pending = new Gauge({ name: 'sluice_dead_letters_pending', help: 'Dead letters waiting for an analyst.', labelNames: ['flow'], registers: [registry] });
  const workers = new Gauge({ name: 'sluice_workers', help: 'Worker processes with a fresh heartbeat.', registers: [registry] });
  const heartbeatAge = new Gauge({ name: 'sluice_worker_heartbeat_age_seconds', help: 'Seconds since each worker process last said it was alive.', labelNames: ['worker'], registers: [registry] });

  // One read of the tables per scrape fills every metric.
  const refresh = async () => {
    const [stats, series, queue, letters, beats] = await Promise.all([
      pool.query(`SELECT s.flow_id, s.node_id, s.records_in, s.records_out, s.errors, s.dead_lettered, s.latency, f.graph
                  FROM node_stats s JOIN flows f ON f.id = s.flow_id`),
      pool.query(`SELECT flow_id, node_id, sum(records_in)::bigint AS n FROM node_stats_series
                  WHERE bucket > now() - interval '10 seconds' GROUP BY flow_id, node_id`),
      pool.query('SELECT flow_id, sum(record_count)::bigint AS n FROM chunks GROUP BY flow_id'),
      pool.query(`SELECT flow_id, count(*)::bigint AS n FROM dead_letters WHERE status = 'pending' GROUP BY flow_id`),
      pool.query('SELECT id, extract(epoch FROM now() - heartbeat_at)::float AS age FROM worker_processes'),
    ]);
    for (const m of [recordsIn, recordsOut, errors, validation, deadLettered, e2eBucket, rate, backlog, pending, heartbeatAge]) m.reset();
    // Node kinds come from the registry, per flow graph, computed once per scrape.
    const kindsByFlow = new Map<string, Map<string, string | undefined>>();
    for (const row of stats.rows) if (!kindsByFlow.has(String(row.flow_id))) kindsByFlow.set(String(row.flow_id), nodeKinds(row.graph as Graph));
    const kindOf = (flowId: string, nodeId: string) => kindsByFlow.get(flowId)?.get(nodeId);
    for (const row of stats.rows) {
      const labels = { flow: String(row.flow_id), node: String(row.node_id) };
      recordsIn.inc(labels, Number(row.records_in));
      for (const [port, n] of Object.entries(row.records_out as Record<string, number>)) recordsOut.inc({ ...labels, port }, Number(n));
      errors.inc(labels, Number(row.errors));
      deadLettered.inc(labels, Number(row.dead_lettered));
      const invalid = (row.records_out as Record<string, number>).invalid ?? 0;
      const kind = kindOf(labels.flow, labels.node);
      if (kind === 'validate') validation.inc(labels, Number(invalid) + Number(row.dead_lettered));
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
    for (const row of queue.rows) backlog.set({ flow: String(row.flow_id) }, Number(row.n));
    for (const row of letters.rows) pending.set({ flow: String(row.flow_id) }, Number(row.n));
    workers.set(beats.rows.filter((r) => Number(r.age) * 1000 < DEAD_AFTER_MS).length);
    for (const row of beats.rows) heartbeatAge.set({ worker: String(row.id) }, Number(row.age));
  };
  return Object.assign(registry, { refresh });
}

export type MetricsRegistry = ReturnType<typeof createMetricsRegistry>;
