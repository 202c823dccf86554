// Data quality counts for a chunk entering at its source: completeness (required fields present
// and non-empty), freshness (age of the event time when processed) and duplicates by key. They go
// into the chunk's stats under `q:` keys at the source node, flushed with every other counter; the
// duplicate check is one batched statement per chunk.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { pathReader } from '@sluice/nodes';
import type { EngineRecord, FlowSettings, Graph } from '@sluice/shared';
import { seeQualityKeys } from '../storage/sql/index.js';
import type { ChunkStats } from './stats-collector.js';

/** Windows duplicates are counted for (s): a record is a duplicate in W if its key was seen within W before. */
export const DUPLICATE_WINDOWS = [300, 3600, 86_400] as const;

export interface QualityProfile {
  requiredFields: string[];
  eventTimeField: string | null;
  duplicateKey: string | null;
  consistencyRules: ReadonlySet<string>;
  /** Readers of the paths above, each split once per deployed version rather than per record. */
  read: { required: ((data: unknown) => unknown)[]; eventTime: ((data: unknown) => unknown) | null; duplicateKey: ((data: unknown) => unknown) | null };
}

/** Required fields: the flow's setting, else the top-level `required` of its first JSON Schema validator. */
export function qualityProfile(graph: Graph, settings: FlowSettings): QualityProfile {
  const quality = settings.quality;
  let required = quality?.requiredFields;
  if (!required) {
    const schemaNode = graph.nodes.find((n) => n.type === 'validate.schema');
    const list = (schemaNode?.config.schema as { required?: unknown } | undefined)?.required;
    required = Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
  }
  const eventTimeField = quality?.eventTimeField ?? null;
  const duplicateKey = quality?.duplicateKey ?? null;
  return {
    requiredFields: required,
    eventTimeField,
    duplicateKey,
    consistencyRules: new Set(quality?.consistencyRules ?? []),
    read: {
      required: required.map(pathReader),
      eventTime: eventTimeField === null ? null : pathReader(eventTimeField),
      duplicateKey: duplicateKey === null ? null : pathReader(duplicateKey),
    },
  };
}

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '') && !(Array.isArray(v) && v.length === 0);

function eventTimeMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/**
 * Counts the chunk's quality at `sourceNodeId`: `q:records`, `q:complete`, `q:age_ms` and `q:aged`
 * (records with a readable event time), and `q:dup_<W>` per duplicate window.
 */
export async function countChunkQuality(pool: pg.Pool, flowId: string, sourceNodeId: string, records: EngineRecord[], profile: QualityProfile, stats: ChunkStats, now = Date.now()): Promise<void> {
  let complete = 0;
  let ageMs = 0;
  let aged = 0;
  // Records of one ingest call share their receivedAt: parse each distinct string once.
  let lastReceived = '';
  let lastReceivedMs = 0;
  const { required, eventTime, duplicateKey } = profile.read;
  for (const record of records) {
    if (required.every((read) => present(read(record.data)))) complete += 1;
    if (!eventTime && record.receivedAt !== lastReceived) {
      lastReceived = record.receivedAt;
      lastReceivedMs = Date.parse(record.receivedAt);
    }
    const at = eventTime ? eventTimeMs(eventTime(record.data)) : lastReceivedMs;
    if (at !== null && !Number.isNaN(at)) {
      ageMs += Math.max(0, now - at);
      aged += 1;
    }
  }
  stats.count(sourceNodeId, 'q:records', records.length);
  stats.count(sourceNodeId, 'q:complete', complete);
  stats.count(sourceNodeId, 'q:age_ms', Math.round(ageMs));
  stats.count(sourceNodeId, 'q:aged', aged);
  if (!duplicateKey) return;

  // Within the chunk: a key's second record is a duplicate in every window. Across chunks: ask the table once.
  const firstByKey = new Map<string, string>();
  let inChunk = 0;
  for (const record of records) {
    const value = duplicateKey(record.data);
    if (!present(value)) continue;
    const hash = createHash('sha256').update(JSON.stringify(value)).digest('hex');
    if (firstByKey.has(hash)) inChunk += 1;
    else firstByKey.set(hash, record.id);
  }
  const ages = await seeQualityKeys(pool, flowId, [...firstByKey].map(([keyHash, recordId]) => ({ keyHash, recordId })));
  for (const window of DUPLICATE_WINDOWS) {
    const across = ages.filter((age) => age !== null && age <= window).length;
    stats.count(sourceNodeId, `q:dup_${window}`, inChunk + across);
  }
}
