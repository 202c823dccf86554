import { z } from 'zod';

/** A secret's name: what node configs reference (`{ "$secret": "crm-token" }`). */
export const SecretNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits and _ . - (starting with a letter or digit)');

/** A reference to a vault secret, allowed wherever a node config takes a string. */
export const SecretRefSchema = z.object({ $secret: SecretNameSchema }).strict();
export type SecretRef = z.infer<typeof SecretRefSchema>;

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { $secret?: unknown }).$secret === 'string' && Object.keys(value).length === 1;
}

/** What the API shows of a secret: never its value. */
export const SecretSummarySchema = z.object({
  name: z.string(),
  set: z.boolean(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type SecretSummary = z.infer<typeof SecretSummarySchema>;

/** `PUT /api/secrets/:name`: creates or replaces the value (write-only). */
export const PutSecretBodySchema = z.object({
  value: z.string().min(1, 'a secret needs a value').max(16_384),
});
export type PutSecretBody = z.infer<typeof PutSecretBodySchema>;
