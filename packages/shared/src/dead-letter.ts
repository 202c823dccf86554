import { z } from 'zod';
import { RecordErrorSchema } from './record.js';

export const DeadLetterStatusSchema = z.enum(['pending', 'retried', 'discarded']);
export type DeadLetterStatus = z.infer<typeof DeadLetterStatusSchema>;

export const DeadLetterSchema = z.object({
  id: z.string(),
  flowId: z.string().uuid(),
  nodeId: z.string(),
  version: z.number().int(),
  recordId: z.string().uuid(),
  correlationId: z.string(),
  record: z.unknown(),
  error: RecordErrorSchema,
  attempts: z.number().int(),
  generation: z.number().int(),
  status: DeadLetterStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export const DeadLetterPageSchema = z.object({
  items: z.array(DeadLetterSchema),
  nextCursor: z.string().nullable(),
});
export type DeadLetterPage = z.infer<typeof DeadLetterPageSchema>;

export const DeadLetterQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  status: DeadLetterStatusSchema.optional(),
  nodeId: z.string().max(64).optional(),
  /** Text to find in the error message (case-insensitive). */
  q: z.string().max(200).optional(),
});
export type DeadLetterQuery = z.infer<typeof DeadLetterQuerySchema>;

export const PatchDeadLetterBodySchema = z.object({ record: z.unknown().refine((v) => v !== undefined, 'record is required') });
export type PatchDeadLetterBody = z.infer<typeof PatchDeadLetterBodySchema>;

/** Retry or discard: a list of dead letters, or every pending one of a flow. */
export const DeadLetterSelectionSchema = z.union([
  z.object({ ids: z.array(z.string().regex(/^\d+$/, 'a dead letter id')).min(1).max(10_000) }).strict(),
  z.object({ flowId: z.string().uuid(), all: z.literal(true), nodeId: z.string().max(64).optional() }).strict(),
]);
export type DeadLetterSelection = z.infer<typeof DeadLetterSelectionSchema>;

export const DeadLetterActionResultSchema = z.object({ count: z.number().int() });
