// Sample records for Try it, from whatever the analyst has at hand: a JSON array, one JSON object,
// NDJSON (one object per line) or CSV with a header row.
import Papa from 'papaparse';
import { DRY_RUN_MAX_RECORDS } from '@sluice/shared';

export type SampleFormat = 'json' | 'ndjson' | 'csv';

export type SampleParse =
  | { ok: true; format: SampleFormat; records: Record<string, unknown>[]; note?: string }
  | { ok: false; format: SampleFormat | null; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function limit(format: SampleFormat, records: Record<string, unknown>[]): SampleParse {
  if (records.length === 0) return { ok: false, format, message: 'no records found' };
  if (records.length > DRY_RUN_MAX_RECORDS) {
    return { ok: true, format, records: records.slice(0, DRY_RUN_MAX_RECORDS), note: `only the first ${DRY_RUN_MAX_RECORDS} of ${records.length} records are run` };
  }
  return { ok: true, format, records };
}

function parseJson(text: string): SampleParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, format: 'json', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (isRecord(value)) return limit('json', [value]);
  if (!Array.isArray(value)) return { ok: false, format: 'json', message: 'expected a JSON object or an array of objects' };
  const bad = value.findIndex((v) => !isRecord(v));
  if (bad >= 0) return { ok: false, format: 'json', message: `item ${bad + 1} of the array is not an object; every record is a JSON object` };
  return limit('json', value.filter(isRecord));
}

function parseNdjson(text: string): SampleParse {
  const records: Record<string, unknown>[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { ok: false, format: 'ndjson', message: `line ${i + 1} is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!isRecord(value)) return { ok: false, format: 'ndjson', message: `line ${i + 1} is not a JSON object` };
    records.push(value);
  }
  return limit('ndjson', records);
}

function parseCsv(text: string, convertTypes: boolean): SampleParse {
  const result = Papa.parse<Record<string, unknown>>(text, { header: true, skipEmptyLines: 'greedy', dynamicTyping: convertTypes, transformHeader: (h) => h.trim() });
  const fatal = result.errors.find((e) => e.type !== 'FieldMismatch');
  if (fatal) return { ok: false, format: 'csv', message: `CSV row ${(fatal.row ?? 0) + 2}: ${fatal.message}` };
  if (!result.meta.fields || result.meta.fields.length === 0) return { ok: false, format: 'csv', message: 'the CSV needs a header row naming the fields' };
  const mismatched = result.errors.length;
  const parsed = limit('csv', result.data.filter(isRecord));
  if (parsed.ok && mismatched > 0) return { ...parsed, note: `${mismatched} row${mismatched === 1 ? ' has' : 's have'} a different number of fields than the header` };
  return parsed;
}

/**
 * Reads pasted or uploaded samples. The format is told by the file name when there is one, else
 * by the text: `[` or a whole `{…}` is JSON, lines of `{…}` are NDJSON, anything else CSV.
 * `convertTypes` turns CSV numbers and booleans into JSON numbers and booleans (default true).
 */
export function parseSampleRecords(text: string, options: { fileName?: string; convertTypes?: boolean } = {}): SampleParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, format: null, message: 'paste records or choose a file first' };
  const convert = options.convertTypes ?? true;
  const ext = options.fileName?.toLowerCase().split('.').pop();
  if (ext === 'csv' || ext === 'tsv') return parseCsv(trimmed, convert);
  if (ext === 'ndjson' || ext === 'jsonl') return parseNdjson(trimmed);
  if (trimmed.startsWith('[')) return parseJson(trimmed);
  if (trimmed.startsWith('{')) {
    const whole = parseJson(trimmed);
    return whole.ok ? whole : parseNdjson(trimmed);
  }
  return parseCsv(trimmed, convert);
}

export const FORMAT_LABEL: Record<SampleFormat, string> = { json: 'JSON', ndjson: 'NDJSON', csv: 'CSV' };
