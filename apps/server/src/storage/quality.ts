import type pg from 'pg';
import { QualityTargetsSchema, type FlowQuality, type FlowSettings, type Graph, type QualityWindow } from '@sluice/shared';
import { DUPLICATE_WINDOWS, qualityProfile } from '../engine/quality.js';
import { nodeKinds } from './stats.js';

export interface QualityFlow {
  id: string;
  graph: Graph;
  settings: FlowSettings;
}

/** The duplicate count that fits a window: the smallest counted window that covers it. */
function duplicateWindowFor(seconds: number): number {
  return DUPLICATE_WINDOWS.find((w) => w >= seconds) ?? DUPLICATE_WINDOWS[DUPLICATE_WINDOWS.length - 1]!;
}

const share = (part: number, whole: number) => (whole > 0 ? Math.min(1, Math.max(0, part / whole)) : null);

/**
 * Data quality of each flow over each window, from the `q:` counters and the validators' counts in
 * the per-second stats (one query for all flows and windows). Accuracy is null for a flow without
 * validators; every share is null without records.
 */
export async function flowQuality(pool: pg.Pool, flows: QualityFlow[], windows: readonly number[]): Promise<Map<string, FlowQuality>> {
  const result = new Map<string, FlowQuality>();
  if (flows.length === 0) return result;
  // Column names built from our own constants only (DUPLICATE_WINDOWS), never from input.
  const dupColumns = [...new Set(windows.map(duplicateWindowFor))].map((d) => `sum(coalesce((s.counts->>'q:dup_${d}')::bigint, 0))::bigint AS dup_${d}`);
  const { rows } = await pool.query(
    `SELECT s.flow_id, s.node_id, w.secs,
            sum(s.records_in)::bigint AS records_in,
            sum(coalesce((s.records_out->>'valid')::bigint, 0))::bigint AS valid,
            sum(coalesce((s.counts->>'q:records')::bigint, 0))::bigint AS q_records,
            sum(coalesce((s.counts->>'q:complete')::bigint, 0))::bigint AS q_complete,
            sum(coalesce((s.counts->>'q:age_ms')::bigint, 0))::bigint AS q_age_ms,
            sum(coalesce((s.counts->>'q:aged')::bigint, 0))::bigint AS q_aged,
            sum(coalesce((s.counts->>'q:inconsistent')::bigint, 0))::bigint AS q_inconsistent,
            ${dupColumns.join(', ')}
     FROM unnest($2::int[]) AS w(secs)
     JOIN node_stats_series s ON s.flow_id = ANY ($1::uuid[]) AND s.bucket > now() - make_interval(secs => w.secs)
     GROUP BY 1, 2, 3`,
    [flows.map((f) => f.id), windows],
  );
  for (const flow of flows) {
    const kinds = nodeKinds(flow.graph);
    const validators = [...kinds].filter(([, k]) => k === 'validate').map(([id]) => id);
    const profile = qualityProfile(flow.graph, flow.settings);
    const mine = rows.filter((r) => r.flow_id === flow.id);
    const windowResults: QualityWindow[] = windows.map((secs) => {
      const inWindow = mine.filter((r) => Number(r.secs) === secs);
      const sum = (col: string, only?: (nodeId: string) => boolean) => inWindow.filter((r) => !only || only(String(r.node_id))).reduce((a, r) => a + Number(r[col]), 0);
      const records = sum('q_records');
      const rejected = sum('records_in', (n) => validators.includes(n)) - sum('valid', (n) => validators.includes(n));
      const duplicates = sum(`dup_${duplicateWindowFor(secs)}`);
      const aged = sum('q_aged');
      return {
        windowSeconds: secs,
        records,
        completeness: share(sum('q_complete'), records),
        accuracy: validators.length === 0 ? null : share(records - rejected, records),
        freshnessSeconds: aged > 0 ? sum('q_age_ms') / aged / 1000 : null,
        consistency: share(records - sum('q_inconsistent') - duplicates, records),
        duplicates,
      };
    });
    result.set(flow.id, {
      flowId: flow.id,
      windows: windowResults,
      nodes: validators.map((nodeId) => ({
        nodeId,
        accuracy: windows.map((secs) => {
          const row = mine.find((r) => Number(r.secs) === secs && r.node_id === nodeId);
          return row ? share(Number(row.valid), Number(row.records_in)) : null;
        }),
      })),
      targets: QualityTargetsSchema.parse(flow.settings.quality?.targets ?? {}),
      requiredFields: profile.requiredFields,
      eventTimeField: profile.eventTimeField,
      duplicateKey: profile.duplicateKey,
    });
  }
  return result;
}
