// Reading an uploaded file as a stream of records, line by line, so that a file of any size is held
// in memory one chunk at a time: CSV (papaparse per line), NDJSON, and JSON arrays (split into
// their elements by a small scanner, each element parsed alone). A line that cannot be read is
// yielded as a reject with its line number; it never stops the file.
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import type { FileSettings } from '@sluice/nodes';

/** The file as a whole is not in its format (a JSON file that is not one array). */
export class FileFormatError extends Error {}

export type FileItem = { line: number; record: Record<string, unknown> } | { line: number; raw: string; error: string };

/** Longest line (or JSON element) read, in characters; a longer one is a reject. Default 1 MiB. */
const MAX_ITEM_CHARS = 1024 * 1024;

/** The file's text in pieces, decoded as UTF-8 across chunk boundaries, without a leading BOM. */
async function* text(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of source) {
    let piece = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && piece.length > 0) {
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
      first = false;
    }
    if (piece.length > 0) yield piece;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** Lines with their 1-based numbers (without the line break); an over-long line comes back cut, flagged. */
async function* lines(source: AsyncIterable<Buffer | string>): AsyncGenerator<{ line: number; text: string; tooLong: boolean }> {
  let rest = '';
  let line = 0;
  let skipping = false; // inside an over-long line, already reported
  for await (const piece of text(source)) {
    let start = 0;
    let buffered = rest + piece;
    rest = '';
    for (let nl = buffered.indexOf('\n', start); nl !== -1; nl = buffered.indexOf('\n', start)) {
      line += 1;
      const raw = buffered.slice(start, nl);
      start = nl + 1;
      if (skipping) {
        skipping = false;
        continue;
      }
      yield { line, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, tooLong: raw.length > MAX_ITEM_CHARS };
    }
    buffered = buffered.slice(start);
    if (buffered.length > MAX_ITEM_CHARS && !skipping) {
      yield { line: line + 1, text: buffered.slice(0, 200), tooLong: true };
      skipping = true;
    }
    rest = skipping ? '' : buffered;
  }
  if (!skipping && rest.length > 0) {
    line += 1;
    yield { line, text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, tooLong: false };
  }
}

const tooLong = (line: number, raw: string): FileItem => ({ line, raw: raw.slice(0, 200), error: `the line is longer than ${MAX_ITEM_CHARS} characters` });

/** Records of a file in the format its source node says. */
export function readFile(source: AsyncIterable<Buffer | string>, settings: FileSettings): AsyncGenerator<FileItem> {
  if (settings.format === 'csv') return csvItems(source, settings);
  if (settings.format === 'ndjson') return ndjsonItems(source);
  return jsonArrayItems(source);
}

async function* csvItems(source: AsyncIterable<Buffer | string>, settings: FileSettings): AsyncGenerator<FileItem> {
  let columns: string[] | null = null;
  const parseLine = (line: string) =>
    Papa.parse<string[]>(line, { delimiter: settings.delimiter === '' ? undefined : settings.delimiter, header: false, dynamicTyping: false, skipEmptyLines: false });
  for await (const { line, text: raw, tooLong: long } of lines(source)) {
    if (long) {
      yield tooLong(line, raw);
      continue;
    }
    if (raw.trim() === '') continue;
    const parsed = parseLine(raw);
    const fields = parsed.data[0] ?? [];
    const problem = parsed.errors[0];
    if (problem) {
      yield { line, raw, error: `${problem.message}${problem.code === 'MissingQuotes' ? ' (a quoted field may not hold a line break)' : ''}` };
      continue;
    }
    if (columns === null) {
      if (settings.header) {
        columns = fields.map((f, i) => f.trim() || `col${i + 1}`);
        continue;
      }
      columns = fields.map((_, i) => `col${i + 1}`);
    }
    if (fields.length !== columns.length) {
      yield { line, raw, error: `expected ${columns.length} fields, found ${fields.length}` };
      continue;
    }
    const record: Record<string, unknown> = {};
    columns.forEach((name, i) => (record[name] = settings.coerce ? coerce(fields[i]!) : fields[i]));
    yield { line, record };
  }
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Type coercion of one CSV field: numbers (that survive the round trip), true/false, empty as null. */
function coerce(field: string): unknown {
  if (field === '') return null;
  if (field === 'true' || field === 'TRUE') return true;
  if (field === 'false' || field === 'FALSE') return false;
  if (NUMBER.test(field)) {
    const n = Number(field);
    // Keep long digit strings (ids, phone numbers) as text when a number would change them.
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || field.includes('.') || /e/i.test(field))) return n;
  }
  return field;
}

async function* ndjsonItems(source: AsyncIterable<Buffer | string>): AsyncGenerator<FileItem> {
  for await (const { line, text: raw, tooLong: long } of lines(source)) {
    if (long) {
      yield tooLong(line, raw);
      continue;
    }
    if (raw.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(raw);
      yield { line, record: typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value } };
    } catch (err) {
      yield { line, raw, error: `not JSON: ${(err as Error).message}` };
    }
  }
}

/**
 * The elements of a top-level JSON array, each parsed alone: a scanner tracks strings and nesting
 * to find where an element ends, so only one element is in memory at a time.
 */
async function* jsonArrayItems(source: AsyncIterable<Buffer | string>): AsyncGenerator<FileItem> {
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let elementLine = 1;
  let line = 1;
  let oversize = false;
  const finish = function* (): Generator<FileItem> {
    const raw = element.trim();
    element = '';
    if (oversize) {
      oversize = false;
      yield { line: elementLine, raw: raw.slice(0, 200), error: `the element is longer than ${MAX_ITEM_CHARS} characters` };
      return;
    }
    if (raw === '') return;
    try {
      const value: unknown = JSON.parse(raw);
      yield { line: elementLine, record: typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value } };
    } catch (err) {
      yield { line: elementLine, raw, error: `not JSON: ${(err as Error).message}` };
    }
  };
  for await (const piece of text(source)) {
    let from = 0; // start of the current element's text within this piece
    for (let i = 0; i < piece.length; i++) {
      const c = piece[i]!;
      if (state === 'before') {
        if (c === '[') state = 'between';
        else if (c === '\n') line += 1;
        else if (!/\s/.test(c)) throw new FileFormatError(`line ${line}: a JSON file must hold one array of records`);
        continue;
      }
      if (state === 'after') {
        if (c === '\n') line += 1;
        continue;
      }
      if (state === 'between') {
        if (c === '\n') line += 1;
        else if (c === ']') state = 'after';
        else if (c !== ',' && !/\s/.test(c)) {
          state = 'element';
          elementLine = line;
          depth = 0;
          from = i;
          i -= 1; // scan this character as part of the element
        }
        continue;
      }
      // state === 'element'
      if (c === '\n') line += 1;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) {
          // The array's own closing bracket ends a primitive element.
          element += piece.slice(from, i);
          yield* finish();
          state = 'after';
          continue;
        }
        depth -= 1;
      } else if (c === ',' && depth === 0) {
        element += piece.slice(from, i);
        yield* finish();
        state = 'between';
      }
      if (state === 'element' && element.length + (i - from) > MAX_ITEM_CHARS) {
        oversize = true;
        element = element.slice(0, 200);
        from = i + 1;
      }
    }
    if (state === 'element' && !oversize) element += piece.slice(from);
  }
  const ended: string = state;
  if (ended === 'element') yield { line: elementLine, raw: element.slice(0, 200), error: 'the file ends inside this element' };
  else if (ended !== 'after') throw new FileFormatError('the JSON array is not closed');
}
