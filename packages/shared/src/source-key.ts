import { z } from 'zod';

/** An API key of a webhook source (`auth: { type: "apiKey" }`), as listed: never the key itself. */
export const SourceApiKeySchema = z.object({
  id: z.string().uuid(),
  flowId: z.string().uuid(),
  nodeId: z.string(),
  name: z.string(),
  /** The first characters of the key, to tell keys apart. */
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type SourceApiKey = z.infer<typeof SourceApiKeySchema>;

export const CreateSourceApiKeyBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
});
export type CreateSourceApiKeyBody = z.infer<typeof CreateSourceApiKeyBodySchema>;

/** The answer to creating a key: the only time the key is shown. */
export const CreatedSourceApiKeySchema = SourceApiKeySchema.extend({ key: z.string() });
export type CreatedSourceApiKey = z.infer<typeof CreatedSourceApiKeySchema>;

/** Header that carries a source API key on ingest. */
export const API_KEY_HEADER = 'x-api-key';
