import { z } from 'zod';

/**
 * A record inside the engine. `id` is a UUIDv7 given at ingest and kept for life (sinks use it as
 * the idempotency key); `generation` counts analyst retries from the dead-letter queue.
 */
export const EngineRecordSchema = z.object({
  id: z.string().uuid(),
  correlationId: z.string().min(1).max(200),
  receivedAt: z.string(),
  data: z.unknown(),
  generation: z.number().int().min(0).optional(),
});
export type EngineRecord = z.infer<typeof EngineRecordSchema>;

/** Why a record could not go on: what a dead letter shows the analyst. */
export const RecordErrorSchema = z.object({
  kind: z.enum(['invalid', 'transform', 'permanent', 'exhausted', 'version']),
  message: z.string(),
  /** HTTP status from a sink, when there was one. */
  status: z.number().int().optional(),
  /** First 2 KB of a sink's response body. */
  body: z.string().optional(),
  /** What went wrong on the way, when a sink knows: it waited too long, or could not connect. */
  cause: z.enum(['timeout', 'connection']).optional(),
  /** Failed rules or schema paths, for validators. */
  failures: z
    .array(z.object({ rule: z.string().optional(), path: z.string().optional(), message: z.string() }))
    .optional(),
});
export type RecordError = z.infer<typeof RecordErrorSchema>;
