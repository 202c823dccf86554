import { z } from 'zod';

/** What an audit row records; one name per event, `<resource>.<verb>`. */
export const AuditActionSchema = z.enum([
  'auth.login',
  'auth.logout',
  'auth.denied',
  'token.create',
  'token.revoke',
  'user.create',
  'user.update',
  'flow.create',
  'flow.update',
  'flow.deploy',
  'flow.stop',
  'flow.delete',
  'dead_letter.view',
  'dead_letter.edit',
  'dead_letter.retry',
  'dead_letter.discard',
  'ingest.denied',
  'source_key.create',
  'source_key.revoke',
  'secret.create',
  'secret.update',
  'secret.delete',
  'alert.acknowledge',
  'alert.silence',
  'alert.unsilence',
  'alert_channel.create',
  'alert_channel.delete',
  'run.start',
  'run.retry_missing',
  'file.upload',
]);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** success: done; failure: refused for bad credentials or input; denied: authenticated (or not) but not allowed. */
export const AuditOutcomeSchema = z.enum(['success', 'failure', 'denied']);
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  userId: z.string().nullable(),
  actor: z.string().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  sourceIp: z.string().nullable(),
  correlationId: z.string().nullable(),
  outcome: AuditOutcomeSchema,
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** `GET /api/audit`: newest first; pass `nextCursor` back as `cursor` for the next page. */
export const AuditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, 'a cursor is the nextCursor of the previous page')
      .optional(),
    action: AuditActionSchema.optional(),
    /** A user id, or text found in the actor (email or token name). */
    user: z.string().trim().min(1).max(320).optional(),
    resourceType: z.string().trim().min(1).max(64).optional(),
    resourceId: z.string().trim().min(1).max(200).optional(),
    outcome: AuditOutcomeSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from) <= new Date(q.to), { message: 'from must be before to', path: ['from'] });
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditPageSchema = z.object({
  items: z.array(AuditEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;
