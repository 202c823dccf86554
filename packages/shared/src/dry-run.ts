import { z } from 'zod';
import { GraphSchema } from './flow.js';
import { RecordErrorSchema } from './record.js';

/** At most this many sample records per dry run. */
export const DRY_RUN_MAX_RECORDS = 1000;
/** Records shown per port (the counts are always complete). */
export const DRY_RUN_SAMPLE = 100;

/** `POST /api/dry-run`: run sample records through an unsaved graph, sinks disabled. */
export const DryRunBodySchema = z.object({
  graph: GraphSchema,
  records: z.array(z.record(z.string(), z.unknown())).min(1, 'send at least one record').max(DRY_RUN_MAX_RECORDS),
  /** Which source the records enter at; default: every source. */
  sourceNodeId: z.string().max(64).optional(),
  /** The flow being edited: its declared PII fields are masked in the results for callers without pii:read. */
  flowId: z.string().uuid().optional(),
});
export type DryRunBody = z.infer<typeof DryRunBodySchema>;

export const DryRunNodeSchema = z.object({
  nodeId: z.string(),
  in: z.number().int(),
  /** The first records that reached the node (data only). */
  input: z.array(z.unknown()),
  /** Records per output port (sinks: `delivered`, which a dry run only pretends). */
  out: z.record(z.string(), z.number().int()),
  outputs: z.record(z.string(), z.array(z.unknown())),
  errors: z.array(z.object({ record: z.unknown(), error: RecordErrorSchema })),
});
export type DryRunNode = z.infer<typeof DryRunNodeSchema>;

export const DryRunResultSchema = z.object({
  nodes: z.array(DryRunNodeSchema),
  durationMs: z.number(),
});
export type DryRunResult = z.infer<typeof DryRunResultSchema>;
