import { z } from 'zod';

/**
 * A run: one pull of a source's data set, started by hand or by its schedule. Its counts add up
 * once it has finished: fetched = delivered + dead-lettered, and missing = expected - fetched when
 * the source could say how many records it holds.
 */
export const RunStatusSchema = z.enum(['running', 'succeeded', 'failed', 'timed_out', 'incomplete']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** manual: started by hand; schedule: by the source's cron; file: an uploaded file (source.file). */
export const RunTriggerSchema = z.enum(['manual', 'schedule', 'file']);
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

const SourceKeySchema = z.union([z.string(), z.number()]);

export const RunSchema = z.object({
  id: z.string().uuid(),
  flowId: z.string().uuid(),
  nodeId: z.string(),
  version: z.number().int(),
  trigger: RunTriggerSchema,
  scheduledFor: z.string().nullable(),
  status: RunStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Milliseconds from start to finish (or to now while running). */
  durationMs: z.number().int(),
  /** Records the source said it holds (count query, X-Total-Count, control total); null when unknown. */
  expected: z.number().int().nullable(),
  fetched: z.number().int(),
  /** Records that went through the flow without a dead letter (delivered, or filtered out on purpose). */
  delivered: z.number().int(),
  deadLettered: z.number().int(),
  /** Records the source holds that the run did not fetch; null until the run is checked. */
  missing: z.number().int().nullable(),
  /** The first missing keys (up to 1000), when the source has keys. */
  missingKeys: z.array(SourceKeySchema).nullable(),
  /** Records fetched whose chunks are still running. */
  inFlight: z.number().int(),
  pages: z.number().int(),
  watermarkFrom: z.union([z.string(), z.number()]).nullable(),
  watermarkTo: z.union([z.string(), z.number()]).nullable(),
  error: z.string().nullable(),
});
export type Run = z.infer<typeof RunSchema>;

/** A source of the deployed flow that runs: one that pulls (by hand or on its schedule) or takes uploaded files. */
export const RunSourceSchema = z.object({
  nodeId: z.string(),
  type: z.string(),
  mode: z.enum(['pull', 'file']),
  schedule: z.string().nullable(),
  timezone: z.string().nullable(),
  /** Pull sources that can fetch records by key can retry an incomplete run's missing keys. */
  canRetryMissing: z.boolean(),
});
export type RunSource = z.infer<typeof RunSourceSchema>;

export const RunPageSchema = z.object({ items: z.array(RunSchema), sources: z.array(RunSourceSchema) });
export type RunPage = z.infer<typeof RunPageSchema>;

export const StartRunBodySchema = z.object({
  /** The pull source to run, when the flow has several. */
  nodeId: z.string().min(1).max(64).optional(),
});
export type StartRunBody = z.infer<typeof StartRunBodySchema>;

/** An uploaded file's run: which file source takes it, when the flow has several. */
export const FileUploadQuerySchema = z.object({ source: z.string().min(1).max(64).optional() });

export const RunQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
