import { z } from 'zod';
import { IssueSchema } from './errors.js';
import { PiiFieldSchema } from './pii.js';
import { FlowAlertSettingsSchema } from './alerts.js';
import { FlowQualitySettingsSchema } from './quality.js';

/** Node and edge ids: short, URL- and log-safe. */
export const ElementIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, and _ . : - only');

export const GraphNodeSchema = z.object({
  id: ElementIdSchema,
  type: z.string().min(1).max(100),
  config: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number().finite(), y: z.number().finite() }).default({ x: 0, y: 0 }),
  label: z.string().max(200).optional(),
});
export type GraphNode = z.infer<typeof GraphNodeSchema>;

export const GraphEdgeSchema = z.object({
  id: ElementIdSchema,
  source: ElementIdSchema,
  sourcePort: z.string().min(1).max(64),
  target: ElementIdSchema,
  targetPort: z.string().min(1).max(64).optional(),
});
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;

/** A flow's graph: what the analyst draws and the API stores. */
export const GraphSchema = z.object({
  name: z.string().trim().min(1, 'a flow needs a name').max(200),
  description: z.string().max(5000).optional(),
  nodes: z.array(GraphNodeSchema).max(500),
  edges: z.array(GraphEdgeSchema).max(2000),
});
export type Graph = z.infer<typeof GraphSchema>;

/** The largest chunkSize a flow may set: sinks that take a chunk in one round size their rounds to it. */
export const MAX_CHUNK_SIZE = 5000;
const chunkSize = z.number().int().min(1).max(MAX_CHUNK_SIZE);
const maxBacklog = z.number().int().min(1).max(10_000_000);
const parallelism = z.number().int().min(1).max(64);
const piiFields = z
  .array(PiiFieldSchema)
  .max(200)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `"${f.path}" is declared twice` });
      seen.add(f.path);
    });
  });

/** Per-flow settings that govern the engine, each with its default. */
export const FlowSettingsSchema = z.object({
  /** Records per chunk job. Default 500 (bench/RESULTS.md: 500 against 200 made batched processing ~40% faster). */
  chunkSize: chunkSize.default(500),
  /** Backlog (records accepted and not yet finished) above which ingest answers 429. Default 100,000. */
  maxBacklog: maxBacklog.default(100_000),
  /**
   * Chunk jobs of this flow that may run at once across all workers. Default 4: a slow flow can
   * never take every worker slot from the others.
   */
  parallelism: parallelism.default(4),
  /** Fields of the records that hold personal data, masked in every view for callers without pii:read. Default none. */
  pii: piiFields
    .default([])
    .describe('Fields of the records that hold personal data. Shown masked (with the strategy) to everyone without the pii:read permission: in dead letters, dry runs and logs.'),
  /**
   * Encrypt the record payloads Sluice keeps (queued chunks, dead letters) with the vault key.
   * Default (unset): on when the flow declares PII fields.
   */
  encryptAtRest: z
    .boolean()
    .optional()
    .describe('Encrypt the records Sluice keeps for this flow (queued chunks, dead letters) with the vault key. Default: on when PII fields are declared.'),
  /** Alert thresholds, `for` durations and windows that differ from the defaults (ALERT_RULE_DEFAULTS). Unset: the defaults. */
  alerts: FlowAlertSettingsSchema.optional(),
  /** How data quality is measured and its targets. Unset: the defaults (the seed's targets). */
  quality: FlowQualitySettingsSchema.optional(),
});
export type FlowSettings = z.infer<typeof FlowSettingsSchema>;

/** Are this flow's record payloads encrypted at rest? The setting, else on when it declares PII. */
export function encryptsAtRest(settings: Pick<FlowSettings, 'encryptAtRest' | 'pii'>): boolean {
  return settings.encryptAtRest ?? settings.pii.length > 0;
}

/** Settings in a create or update body: only what is given changes (no defaults filled in here). */
export const FlowSettingsPatchSchema = z.object({
  chunkSize: chunkSize.optional(),
  maxBacklog: maxBacklog.optional(),
  parallelism: parallelism.optional(),
  pii: piiFields.optional(),
  encryptAtRest: z.boolean().optional(),
  /** Replaces the flow's alert overrides as a whole. */
  alerts: FlowAlertSettingsSchema.optional(),
  /** How data quality is measured and its targets. Unset: the defaults (the seed's targets). */
  quality: FlowQualitySettingsSchema.optional(),
});
export type FlowSettingsPatch = z.infer<typeof FlowSettingsPatchSchema>;

export const CreateFlowBodySchema = GraphSchema.extend({
  settings: FlowSettingsPatchSchema.optional(),
});
export type CreateFlowBody = z.infer<typeof CreateFlowBodySchema>;
export const UpdateFlowBodySchema = CreateFlowBodySchema;
export type UpdateFlowBody = z.infer<typeof UpdateFlowBodySchema>;

export const FlowStatusSchema = z.enum(['draft', 'deployed', 'stopped']);
export type FlowStatus = z.infer<typeof FlowStatusSchema>;

export const FlowSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string().nullable(),
  graph: GraphSchema,
  settings: FlowSettingsSchema,
  status: FlowStatusSchema,
  deployedVersion: z.number().int().nullable(),
  latestVersion: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deployedAt: z.string().nullable(),
});
export type Flow = z.infer<typeof FlowSchema>;

/** The flows list: no graph, but the last minute's figures. */
export const FlowSummarySchema = FlowSchema.omit({ graph: true }).extend({
  nodeCount: z.number().int(),
  live: z.object({
    /** Records into the flow per second over the last minute. */
    recordsPerSecond: z.number(),
    /** Records dead-lettered over records in, last minute; null with no traffic. */
    errorRate: z.number().nullable(),
  }),
});
export type FlowSummary = z.infer<typeof FlowSummarySchema>;

export const ValidationResultSchema = z.object({ ok: z.boolean(), errors: z.array(IssueSchema) });
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

export const DeployResultSchema = z.object({ version: z.number().int() });
export type DeployResult = z.infer<typeof DeployResultSchema>;

export const IngestResultSchema = z.object({ accepted: z.number().int(), ids: z.array(z.string()) });
export type IngestResult = z.infer<typeof IngestResultSchema>;
