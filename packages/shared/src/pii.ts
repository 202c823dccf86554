import { z } from 'zod';

/**
 * How a value is masked (the transform.mask node and PII masking in views share these):
 * email u***@example.com; phone +1234***890; card ****-****-****-3456; redact "[REDACTED]";
 * hash: SHA-256 of the flow's secret salt + the value.
 */
export const MASK_STRATEGIES = ['email', 'phone', 'card', 'redact', 'hash'] as const;
export const MaskStrategySchema = z.enum(MASK_STRATEGIES);
export type MaskStrategy = z.infer<typeof MaskStrategySchema>;

/** A field of a flow's records that holds personal data: masked for callers without `pii:read`. */
export const PiiFieldSchema = z.object({
  path: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as "customer.email"')
    .refine((p) => p.split('.').every((s) => !['__proto__', 'prototype', 'constructor'].includes(s)), 'path segments __proto__, prototype and constructor are not allowed')
    .describe('Dotted path of the field in the record data, e.g. "customer.email"; crosses arrays.'),
  strategy: MaskStrategySchema.default('redact').describe('How it is masked for those who may not read PII. Default redact.'),
});
export type PiiField = z.infer<typeof PiiFieldSchema>;
