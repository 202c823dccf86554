import { z } from 'zod';

const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A secret's name: what node configs reference (`{ "$secret": "crm-token" }`). */
export const SecretNameSchema = z.string().min(1).max(100).regex(SECRET_NAME_PATTERN, 'use letters, digits and _ . - (starting with a letter or digit)');

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

/**
 * zod metadata for a config string that may hold a credential: `z.string().meta(SECRET_REF_META)`.
 * The exported JSON Schema then also accepts `{ "$secret": name }` there (see acceptSecretRefs), and
 * the settings form offers "use a secret" on that field. (The compiler resolves a reference
 * anywhere in a config; this only says where the editor offers one.)
 */
export const SECRET_REF_META = { secretRef: true } as const;

/** The JSON Schema of `{ "$secret": name }`, as the settings form recognises it. */
export const SECRET_REF_JSON_SCHEMA = {
  type: 'object',
  title: 'Secret',
  description: 'The value of a vault secret, resolved when the flow is deployed; the flow stores only its name.',
  properties: {
    $secret: { type: 'string', minLength: 1, maxLength: 100, pattern: SECRET_NAME_PATTERN.source, description: 'The name of the secret, as set on the Secrets page.' },
  },
  required: ['$secret'],
  additionalProperties: false,
} as const;

/**
 * A node config's JSON Schema in which every string marked with SECRET_REF_META becomes
 * `anyOf: [that string, SECRET_REF_JSON_SCHEMA]`, keeping its description and default on the outside.
 */
export function acceptSecretRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(acceptSecretRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { secretRef, ...rest } = schema as Record<string, unknown>;
  const walked = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, k === 'default' || k === 'examples' || k === 'const' || k === 'enum' ? v : acceptSecretRefs(v)]));
  if (secretRef !== true) return walked;
  const { description, default: fallback, ...text } = walked;
  return {
    ...(description === undefined ? {} : { description }),
    ...(fallback === undefined ? {} : { default: fallback }),
    anyOf: [{ ...text, title: 'Value' }, SECRET_REF_JSON_SCHEMA],
  };
}
