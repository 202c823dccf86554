import { z } from 'zod';

const path = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as "customer.email": no empty segments');

/** The seed's data quality targets. */
export const QUALITY_TARGET_DEFAULTS = { completeness: 0.99, accuracy: 0.995, freshnessSeconds: 300, consistency: 0.999 } as const;

export const QualityTargetsSchema = z.object({
  /** Share of records with every required field present and non-empty. Default 0.99. */
  completeness: z.number().min(0).max(1).default(QUALITY_TARGET_DEFAULTS.completeness).describe('Share of records with every required field present. Default 0.99.'),
  /** Share of records passing the validators. Default 0.995. */
  accuracy: z.number().min(0).max(1).default(QUALITY_TARGET_DEFAULTS.accuracy).describe('Share of records passing the validators. Default 0.995.'),
  /** Longest acceptable mean age of records when processed, s. Default 300. */
  freshnessSeconds: z.number().min(0).max(86_400 * 30).default(QUALITY_TARGET_DEFAULTS.freshnessSeconds).describe('Longest acceptable mean age of records when processed, s. Default 300.'),
  /** Share passing the consistency rules and not duplicated. Default 0.999. */
  consistency: z.number().min(0).max(1).default(QUALITY_TARGET_DEFAULTS.consistency).describe('Share passing the consistency rules and not duplicated. Default 0.999.'),
});
export type QualityTargets = z.infer<typeof QualityTargetsSchema>;

/** How a flow's data quality is measured; each field has a default. */
export const FlowQualitySettingsSchema = z
  .object({
    /** Fields every record must have, non-empty. Default: the `required` list of the flow's first JSON Schema validator. */
    requiredFields: z.array(path).max(100).optional().describe('Fields every record must have, non-empty. Default: the `required` list of the first JSON Schema validator.'),
    /** Field holding the record's event time (ISO 8601 or epoch ms). Default: when Sluice received it. */
    eventTimeField: path.optional().describe('Field with the record\'s event time (ISO 8601 or epoch ms), for freshness. Default: when Sluice received it.'),
    /** Field that identifies a record for duplicate detection. Default: no duplicate check. */
    duplicateKey: path.optional().describe('Field that identifies a record; repeats within the window count against consistency. Default: no duplicate check.'),
    /** Names of validate.rules rules that are consistency rules (they count against consistency as well as accuracy). Default none. */
    consistencyRules: z.array(z.string().min(1).max(100)).max(100).default([]).describe('Names of business rules that are consistency rules. Default none.'),
    targets: QualityTargetsSchema.prefault({}).describe('Data quality targets (the seed\'s by default).'),
  })
  .strict()
  .describe('How data quality is measured and its targets.');
export type FlowQualitySettings = z.infer<typeof FlowQualitySettingsSchema>;

/** The three sliding windows quality is shown over, s. */
export const QUALITY_WINDOWS = [300, 3600, 86_400] as const;

/** Quality over one window; a share is null when there were no records to measure. */
export const QualityWindowSchema = z.object({
  windowSeconds: z.number().int(),
  /** Records that entered the flow at its sources in the window. */
  records: z.number(),
  completeness: z.number().nullable(),
  accuracy: z.number().nullable(),
  /** Mean age of the records when processed (now − event time), s. */
  freshnessSeconds: z.number().nullable(),
  consistency: z.number().nullable(),
  duplicates: z.number(),
});
export type QualityWindow = z.infer<typeof QualityWindowSchema>;

export const FlowQualitySchema = z.object({
  flowId: z.string().uuid(),
  windows: z.array(QualityWindowSchema),
  /** Per validator node: share of its input it passed, per window. */
  nodes: z.array(z.object({ nodeId: z.string(), accuracy: z.array(z.number().nullable()) })),
  targets: QualityTargetsSchema,
  /** What was measured against: the required fields in force (given or from the schema), and the configured fields. */
  requiredFields: z.array(z.string()),
  eventTimeField: z.string().nullable(),
  duplicateKey: z.string().nullable(),
});
export type FlowQuality = z.infer<typeof FlowQualitySchema>;
