import { z } from 'zod';
import { MASK_STRATEGIES, type MaskStrategy, type PiiField } from '@sluice/shared';
import { defineNode, type PureResult } from '../define.js';
import { sha256Hex } from '../hash.js';
import { dataPath, isPlainObject } from '../path.js';


const REDACTED = '[REDACTED]';

export const maskTransform = defineNode({
  type: 'transform.mask',
  kind: 'transform',
  title: 'Mask fields',
  summary: 'Hides personal data: partial masks for emails, phone and card numbers, full redaction, or a salted hash.',
  category: 'Transform',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'out' }],
  config: z
    .object({
      fields: z
        .array(
          z
            .object({
              path: dataPath('Dotted path of the field to mask, e.g. "customer.email". Where the path crosses an array, the field is masked in every element; a field holding a list has each item masked. A missing field is left alone.'),
              strategy: z
                .enum(MASK_STRATEGIES)
                .default('redact')
                .describe(
                  'email: u***@example.com; phone: keep the first 5 and last 3 characters (+1234***890); card: star every digit but the last 4 (****-****-****-3456); redact: "[REDACTED]"; hash: SHA-256 hex of the flow\'s secret salt + the value, so equal values still match. Default redact. A value the strategy cannot read (an object, say) is redacted.',
                ),
            })
            .describe('One field to mask.'),
        )
        .min(1)
        .max(200)
        .describe('The fields to mask.'),
    })
    .superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.fields.forEach((f, i) => {
        if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'path'], message: `"${f.path}" is masked twice` });
        seen.add(f.path);
      });
    }),
  examples: [
    {
      title: 'Mask contact details',
      config: {
        fields: [
          { path: 'email', strategy: 'email' },
          { path: 'phone', strategy: 'phone' },
          { path: 'payment.card', strategy: 'card' },
          { path: 'notes', strategy: 'redact' },
          { path: 'customerId', strategy: 'hash' },
        ],
      },
    },
  ],
  create(config, ctx) {
    const masker = createMasker(config.fields, ctx.salt);
    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { out: [] }, failures: [] };
        const masked = await masker(records.map((r) => r.data));
        records.forEach((record, i) => result.outputs.out!.push({ ...record, data: masked[i] }));
        return result;
      },
    };
  },
});

/**
 * The mask node's masking as a function: masked copies of `values` that share what no field
 * touches (the inputs are never changed; treat the outputs as read-only). The server masks PII in views with it, so a view masks exactly as the node does.
 */
export function createMasker(fields: readonly PiiField[], salt: string): (values: readonly unknown[]) => Promise<unknown[]> {
  const hash = async (value: string) => sha256Hex(salt + value);
  const compiled = fields.map((f) => ({ segments: f.path.split('.'), strategy: f.strategy }));
  return async (values) => {
    const pending: Promise<void>[] = [];
    const out = values.map((value) => {
      // Copy on write: the containers on a masked path are copied, the rest is shared. Every
      // strategy but hash is synchronous; hashes (Web Crypto) are awaited together at the end.
      let data: unknown = value;
      for (const field of compiled) data = maskAt(data, field.segments, 0, field.strategy, hash, pending);
      return data;
    });
    if (pending.length > 0) await Promise.all(pending);
    return out;
  };
}

type Hash = (v: string) => Promise<string>;

/**
 * `container` with the value at `segments[at..]` masked, mapping over arrays on the way: the
 * containers on the path are copied (shallow), everything else is shared, `container` is unchanged.
 * Hashes are started here and their promises pushed to `pending`; they write into the copies.
 */
function maskAt(container: unknown, segments: string[], at: number, strategy: MaskStrategy, hash: Hash, pending: Promise<void>[]): unknown {
  const head = segments[at];
  if (head === undefined) return container;
  if (Array.isArray(container) && !/^\d+$/.test(head)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < container.length; i++) {
      const element: unknown = container[i];
      const masked = maskAt(element, segments, at, strategy, hash, pending);
      if (masked !== element) (copy ??= [...container])[i] = masked;
    }
    return copy ?? container;
  }
  if (!(isPlainObject(container) || Array.isArray(container)) || !Object.hasOwn(container, head)) return container;
  // Spread defines properties, so a "__proto__" key in data stays data.
  const holder = (Array.isArray(container) ? [...container] : { ...container }) as Record<string, unknown>;
  if (at < segments.length - 1) {
    const inner = holder[head];
    const masked = maskAt(inner, segments, at + 1, strategy, hash, pending);
    if (masked === inner) return container;
    holder[head] = masked;
    return holder;
  }
  maskLeaf(holder, head, strategy, hash, pending);
  return holder;
}

/** A list of values ("phones": [...]) is masked element by element, except by redact, which hides it all. */
function maskLeaf(holder: Record<string, unknown> | unknown[], key: string | number, strategy: MaskStrategy, hash: Hash, pending: Promise<void>[]): void {
  const value = readAt(holder, key);
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && strategy !== 'redact') {
    const copy = [...value];
    writeAt(holder, key, copy);
    for (let i = 0; i < copy.length; i++) maskLeaf(copy, i, strategy, hash, pending);
    return;
  }
  if (strategy === 'hash') pending.push(hash(hashInput(value)).then((hashed) => writeAt(holder, key, hashed)));
  else writeAt(holder, key, maskValue(value, strategy));
}

// Plain functions rather than closures made per masked value: this runs for every masked field.
function readAt(holder: Record<string, unknown> | unknown[], key: string | number): unknown {
  return Array.isArray(holder) ? holder[Number(key)] : holder[key];
}

function writeAt(holder: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(holder)) holder[Number(key)] = value;
  else holder[key] = value;
}

function hashInput(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The masked form of one value; anything the strategy cannot read is redacted rather than leaked. */
export function maskValue(value: unknown, strategy: Exclude<MaskStrategy, 'hash'>): string {
  if (strategy === 'redact') return REDACTED;
  if (typeof value !== 'string' && typeof value !== 'number') return REDACTED;
  const s = String(value);
  if (s === '') return s;
  switch (strategy) {
    case 'email':
      return maskEmail(s);
    case 'phone':
      return maskPhone(s);
    case 'card':
      return maskCard(s);
  }
}

/** user@example.com → u***@example.com; a fixed three stars so the length is not given away. */
function maskEmail(s: string): string {
  const at = s.lastIndexOf('@');
  if (at <= 0) return `${s[0]}***`;
  return `${s[0]}***${s.slice(at)}`;
}

/**
 * +1234567890 → +1234***890: the first 5 characters (country and area code) and the last 3 stay.
 * A value of 8 characters or fewer would then show whole, so only its last 2 stay (all starred up to 4).
 */
function maskPhone(s: string): string {
  if (s.length > 8) return s.slice(0, 5) + '*'.repeat(s.length - 8) + s.slice(-3);
  const keep = s.length > 4 ? 2 : 0;
  return '*'.repeat(s.length - keep) + s.slice(s.length - keep);
}

/** 1234-5678-9012-3456 → ****-****-****-3456: separators stay, every digit but the last 4 is starred. */
function maskCard(s: string): string {
  const digits = s.replace(/\D/g, '').length;
  // With 4 digits or fewer, the last 4 would be the whole number.
  let toStar = digits > 4 ? digits - 4 : digits;
  return s.replace(/\d/g, (d) => (toStar-- > 0 ? '*' : d));
}
