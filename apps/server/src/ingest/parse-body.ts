import { AppError } from '@sluice/shared';

const JSON_TYPES = new Set(['application/json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

export function isIngestContentType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return JSON_TYPES.has(type) || NDJSON_TYPES.has(type);
}

/**
 * Turns an ingest body into record data: one JSON object, a JSON array of objects, or NDJSON (one
 * object per line, blank lines skipped). Errors name the line or index at fault.
 */
export function parseIngestBody(body: Buffer, contentType: string | undefined): Record<string, unknown>[] {
  const type = mediaType(contentType);
  const text = body.toString('utf8');
  const records = parseRecords(text, type);
  // JSON.parse takes any depth; what comes after it (the serialiser, JSONata) recurses. An array
  // body counts as a level, as it did when the text was measured before parsing.
  const arrayBody = JSON_TYPES.has(type) && /^\s*\[/.test(text);
  for (let i = 0; i < records.length; i++) {
    const inside = deeperThan(records[i], arrayBody ? MAX_DEPTH - 1 : MAX_DEPTH);
    if (inside !== null) {
      const where = arrayBody ? `[${i}]${inside}` : NDJSON_TYPES.has(type) ? `line ${i + 1}${inside ? ` at ${inside.replace(/^\./, '')}` : ''}` : inside.replace(/^\./, '') || 'the body';
      const counted = arrayBody ? ", counting the body's array" : '';
      throw new AppError('invalid_input', `${where}: nests deeper than ${MAX_DEPTH} levels${counted}; records may nest at most ${MAX_DEPTH} levels`, {
        details: { path: where, limit: MAX_DEPTH },
      });
    }
  }
  // Postgres (jsonb) refuses NUL characters and unpaired surrogates; JSON can carry both as
  // escapes. Look closer only when the text has such an escape, so the common case costs nothing.
  if (UNSTORABLE_ESCAPE.test(text)) records.forEach((record, index) => checkStorable(record, `[${index}]`));
  return records;
}

/** Deeper records cannot be stored or processed safely (the serialiser and JSONata recurse). */
export const MAX_DEPTH = 64;

/**
 * Where inside `value` objects and arrays nest more than `limit` levels deep (`value` is level 1),
 * as a path ("" for `value` itself, ".a[2]"), or null. Stops at the first, so it recurses at most
 * `limit` + 1 levels, and builds the path only on the way back from a find.
 */
function deeperThan(value: unknown, limit: number): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (limit === 0) return '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = deeperThan(value[i], limit - 1);
      if (found !== null) return `[${i}]${found}`;
    }
    return null;
  }
  for (const key in value) {
    const found = deeperThan((value as Record<string, unknown>)[key], limit - 1);
    if (found !== null) return `.${key}${found}`;
  }
  return null;
}

const UNSTORABLE_ESCAPE = /\\u0000|\\u[dD][89a-fA-F]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses records holding what Postgres cannot store (a NUL character, an unpaired UTF-16
 * surrogate), naming the first one's path: for records that did not come as JSON text through
 * parseIngestBody (broker messages, pulled pages, files). Chunks keep records as JSON text, which would
 * take them, and the sinks and dead letters (jsonb) would then refuse them at every attempt.
 */
export function checkStorableRecords(records: readonly Record<string, unknown>[]): void {
  records.forEach((record, index) => checkStorable(record, `[${index}]`));
}

function checkStorable(value: unknown, path: string): void {
  const refuse = (what: string) => {
    throw new AppError('invalid_input', `${path} holds ${what}, which cannot be stored; remove it`, { details: { path } });
  };
  if (typeof value === 'string') {
    if (value.includes('\u0000')) refuse('a NUL character (\\u0000)');
    if (UNPAIRED_SURROGATE.test(value)) refuse('an unpaired UTF-16 surrogate');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkStorable(v, `${path}[${i}]`));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      checkStorable(k, `${path} key "${k.slice(0, 40)}"`);
      checkStorable(v, `${path}.${k}`);
    }
  }
}

function parseRecords(text: string, type: string): Record<string, unknown>[] {
  if (NDJSON_TYPES.has(type)) return parseNdjson(text);
  if (!JSON_TYPES.has(type)) {
    throw new AppError('unsupported_media_type', `send application/json or application/x-ndjson, not "${type || 'nothing'}"`);
  }
  if (text.trim() === '') throw new AppError('invalid_input', 'the body is empty; send a JSON object or an array of objects');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_input', `the body is not valid JSON: ${(err as Error).message}`, { details: { path: '' } });
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw new AppError('invalid_input', 'the array is empty: nothing to ingest');
    value.forEach((item, index) => {
      if (!isPlainObject(item)) {
        throw new AppError('invalid_input', `item ${index} is ${describe(item)}; every record must be a JSON object`, { details: { index, path: `[${index}]` } });
      }
    });
    return value as Record<string, unknown>[];
  }
  if (!isPlainObject(value)) {
    throw new AppError('invalid_input', `the body is ${describe(value)}; send a JSON object or an array of objects`, { details: { path: '' } });
  }
  return [value];
}

function parseNdjson(text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new AppError('invalid_input', `line ${i + 1} is not valid JSON: ${(err as Error).message}`, { details: { line: i + 1 } });
    }
    if (!isPlainObject(value)) {
      throw new AppError('invalid_input', `line ${i + 1} is ${describe(value)}; every record must be a JSON object`, { details: { line: i + 1 } });
    }
    records.push(value);
  }
  if (records.length === 0) throw new AppError('invalid_input', 'the body has no records');
  return records;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
