// PII masking in views: the fields a flow declares (settings.pii) are masked, with the mask node's
// own strategies, in everything shown to a caller without `pii:read` — dead letters (list, detail,
// and so exports), dry-run samples — including error texts that quote a PII value.
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { createMasker, maskValue } from '@sluice/nodes';
import { FlowSettingsSchema, type DeadLetter, type PiiField, type RecordError } from '@sluice/shared';
import { can, type Principal } from '../auth/authenticate.js';

export interface FlowMasker {
  fields: readonly PiiField[];
  /** Masked deep copies. */
  mask(values: readonly unknown[]): Promise<unknown[]>;
  /** The text with every PII value of `original` replaced by its masked form. */
  scrub(text: string, original: unknown): string;
}

export function mayReadPii(principal: Principal): boolean {
  return can(principal, 'pii:read');
}

export function flowMasker(fields: readonly PiiField[], salt: string): FlowMasker {
  const mask = createMasker(fields, salt);
  return {
    fields,
    mask,
    scrub(text, original) {
      let out = text;
      for (const field of fields) {
        for (const value of valuesAt(original, field.path.split('.'))) {
          const raw = String(value);
          if (raw.length < 3) continue;
          out = out.replaceAll(raw, field.strategy === 'hash' ? '[REDACTED]' : maskValue(raw, field.strategy));
        }
      }
      return out;
    },
  };
}

/** String and number values at a dotted path, crossing arrays like the mask node does. */
function valuesAt(data: unknown, segments: string[]): (string | number)[] {
  const [head, ...rest] = segments;
  if (head === undefined) {
    if (typeof data === 'string' || typeof data === 'number') return [data];
    return Array.isArray(data) ? data.flatMap((d) => valuesAt(d, [])) : [];
  }
  if (Array.isArray(data) && !/^\d+$/.test(head)) return data.flatMap((d) => valuesAt(d, segments));
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, head)) return [];
  return valuesAt((data as Record<string, unknown>)[head], rest);
}

/** The maskers of those `flowIds` that declare PII fields. */
export async function maskersFor(pool: pg.Pool, flowIds: Iterable<string>): Promise<Map<string, FlowMasker>> {
  const ids = [...new Set(flowIds)];
  const maskers = new Map<string, FlowMasker>();
  if (ids.length === 0) return maskers;
  const { rows } = await pool.query('SELECT id, settings, salt FROM flows WHERE id = ANY($1::uuid[])', [ids]);
  for (const row of rows) {
    const { pii } = FlowSettingsSchema.parse(row.settings);
    if (pii.length > 0) maskers.set(String(row.id), flowMasker(pii, String(row.salt)));
  }
  return maskers;
}

export function scrubError(error: RecordError, masker: FlowMasker, original: unknown): RecordError {
  return {
    ...error,
    message: masker.scrub(error.message, original),
    ...(error.body === undefined ? {} : { body: masker.scrub(error.body, original) }),
  };
}

/** Dead letters as `principal` may see them. */
export async function deadLettersFor<T extends DeadLetter>(pool: pg.Pool, principal: Principal, items: T[]): Promise<T[]> {
  if (mayReadPii(principal) || items.length === 0) return items;
  const maskers = await maskersFor(pool, items.map((i) => i.flowId));
  if (maskers.size === 0) return items;
  return Promise.all(
    items.map(async (item) => {
      const masker = maskers.get(item.flowId);
      if (!masker) return item;
      const [record] = await masker.mask([item.record]);
      return { ...item, record, error: scrubError(item.error, masker, item.record) };
    }),
  );
}

/**
 * An edit made by someone who saw the record masked: wherever they left a masked value as it was
 * shown, the stored value stays (saving must not write "u***@example.com" over the real address).
 */
export async function restoreMaskedValues(masker: FlowMasker, original: unknown, edited: unknown): Promise<unknown> {
  const [masked] = await masker.mask([original]);
  const restore = (e: unknown, m: unknown, o: unknown): unknown => {
    if (isDeepStrictEqual(e, m)) return structuredClone(o);
    if (Array.isArray(e) && Array.isArray(m) && Array.isArray(o)) return e.map((v, i) => (i < m.length && i < o.length ? restore(v, m[i], o[i]) : v));
    if (isObject(e) && isObject(m) && isObject(o)) {
      return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, Object.hasOwn(m, k) && Object.hasOwn(o, k) ? restore(v, m[k], o[k]) : v]));
    }
    return e;
  };
  return restore(edited, masked, original);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
