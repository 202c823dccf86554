import { z } from 'zod';
import type { EngineRecord } from '@sluice/shared';
import { defineNode, type PureResult } from '../define.js';
import { compileExpression, evaluateExpression, plainJson, type Expression } from '../jsonata.js';
import { dataPath, getPath, isPlainObject, pathReader, pathWriter } from '../path.js';

const MAP_OPS = ['copy', 'trim', 'lowercase', 'uppercase', 'number', 'integer', 'boolean', 'date', 'constant', 'default', 'template'] as const;
type MapOp = (typeof MAP_OPS)[number];

/** Ops that take their value from `value` or `template` rather than from `source`. */
const OPS_WITHOUT_SOURCE: ReadonlySet<MapOp> = new Set(['constant', 'template']);

// Both mapping shapes are strict, so that a mapping naming both `source` and `expression` is an
// error rather than one of them silently dropped.
const ExpressionMappingSchema = z
  .strictObject({
    target: dataPath('Dotted path of the output field to write, e.g. "customer.name". Intermediate objects are created.'),
    expression: z.string().min(1).max(20_000).describe('JSONata expression evaluated against the input record data; its result is written to the target. An undefined result leaves the target unset.'),
  })
  .describe('Computes a field with a JSONata expression.');

const FieldMappingSchema = z
  .strictObject({
    target: dataPath('Dotted path of the output field to write, e.g. "customer.name". Intermediate objects are created.'),
    source: dataPath('Dotted path of the input field to read, e.g. "user.first_name". Required except for the constant and template ops.').optional(),
    op: z
      .enum(MAP_OPS)
      .default('copy')
      .describe(
        'What to do with the source value. copy (default) as is; trim, lowercase, uppercase on text; number, integer, boolean convert text; date converts to ISO 8601 (an unparseable date fails the record); constant writes `value`; default copies the source but writes `value` when it is missing, null or empty; template fills `template`. A missing source leaves the target unset; null stays null.',
      ),
    value: z.unknown().optional().describe('The JSON value written by the constant op, or by the default op when the source is missing, null or "".'),
    template: z.string().max(10_000).optional().describe('Text for the template op, with {{dotted.path}} placeholders filled from the input data, e.g. "Hello {{name.first}}". Missing fields become "".'),
  })
  .describe('Copies or converts one input field into an output field.');

const MappingSchema = z.union([ExpressionMappingSchema, FieldMappingSchema]);
type FieldMapping = z.output<typeof FieldMappingSchema>;

const MapConfigSchema = z
  .object({
    keepUnmapped: z
      .boolean()
      .default(false)
      .describe('Start from a copy of the input data (when it is an object) and apply the mappings on top (true), or start from an empty object so that only mapped fields come out (false, the default).'),
    mappings: z.array(MappingSchema).min(1).max(500).describe('The fields to write, applied in order. Sources are always read from the input data.'),
  })
  .superRefine((config, ctx) => {
    config.mappings.forEach((m, i) => {
      if ('expression' in m) return;
      if (m.source === undefined && !OPS_WITHOUT_SOURCE.has(m.op)) {
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'source'], message: `the ${m.op} op needs a source field` });
      }
      if ((m.op === 'constant' || m.op === 'default') && m.value === undefined) {
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'value'], message: `the ${m.op} op needs a value` });
      }
      if (m.op === 'template' && m.template === undefined) {
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'template'], message: 'the template op needs a template' });
      }
    });
  });

/** A mapping ready to run: reads the input data, returns the value to write (undefined: write nothing). */
interface CompiledMapping {
  target: string;
  /** The value, or a promise when an expression needs JSONata's asynchronous evaluator. */
  run(data: unknown): unknown;
  /** Writes a value at `target` (the path split once, not per record). */
  write(data: Record<string, unknown>, value: unknown): void;
}

/** A value a mapping cannot convert: the record fails, naming the target field. */
class MappingError extends Error {}

export const mapTransform = defineNode({
  type: 'transform.map',
  kind: 'transform',
  title: 'Map fields',
  summary: 'Builds each record field by field: copy, rename, convert, fill defaults and templates, or compute with JSONata.',
  category: 'Transform',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'out' }],
  config: MapConfigSchema,
  examples: [
    {
      title: 'Normalise a signup',
      config: {
        mappings: [
          { target: 'email', source: 'Email', op: 'lowercase' },
          { target: 'name.first', source: 'first_name', op: 'trim' },
          { target: 'age', source: 'age', op: 'integer' },
          { target: 'newsletter', source: 'opt_in', op: 'boolean' },
          { target: 'signedUpAt', source: 'created', op: 'date' },
          { target: 'country', source: 'country', op: 'default', value: 'unknown' },
          { target: 'source', op: 'constant', value: 'webform' },
          { target: 'greeting', op: 'template', template: 'Hello {{first_name}}' },
        ],
      },
    },
    {
      title: 'Add an order total, keep everything else',
      config: { keepUnmapped: true, mappings: [{ target: 'total', expression: '$sum(items.(price * qty))' }] },
    },
  ],
  create(config) {
    const mappings = config.mappings.map((m, i): CompiledMapping => {
      const write = pathWriter(m.target);
      if ('expression' in m) {
        const expr: Expression = compileExpression(m.expression, `mappings.${i}.expression`);
        return { target: m.target, run: (data) => evaluateExpression(expr, data), write };
      }
      const readSource = m.source === undefined ? () => undefined : pathReader(m.source);
      return { target: m.target, run: (data) => applyOp(m, readSource(data), data), write };
    });

    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { out: [] }, failures: [] };
        for (const record of records) {
          const pending = mapRecord(record, mappings, config.keepUnmapped);
          // Awaited only when an expression needed JSONata proper: a promise per record costs more than the mapping.
          const mapped = pending instanceof Promise ? await pending : pending;
          if ('data' in mapped) result.outputs.out!.push({ ...record, data: mapped.data });
          else result.failures.push({ record, error: { kind: 'transform', message: mapped.message, failures: mapped.failures } });
        }
        return result;
      },
    };
  },
});

type Mapped = { data: Record<string, unknown> } | { message: string; failures: { path: string; message: string }[] };

/** Maps one record; synchronously unless an expression needs JSONata's asynchronous evaluator. */
function mapRecord(record: EngineRecord, mappings: CompiledMapping[], keepUnmapped: boolean): Mapped | Promise<Mapped> {
  // The output is always a fresh object: the input record is never changed.
  const data: Record<string, unknown> = keepUnmapped && isPlainObject(record.data) ? structuredClone(record.data) : {};
  const failures: { path: string; message: string }[] = [];
  for (let i = 0; i < mappings.length; i++) {
    const mapping = mappings[i]!;
    let value: unknown;
    try {
      value = mapping.run(record.data);
    } catch (err) {
      failures.push({ path: mapping.target, message: mappingFailure(err) });
      continue;
    }
    if (value instanceof Promise) return finishMapping(record, mappings, i, value, data, failures);
    store(data, mapping, value, failures);
  }
  return mapped(data, failures);
}

/** The rest of `mapRecord` from mapping `from` on, whose value is still being computed. */
async function finishMapping(
  record: EngineRecord,
  mappings: CompiledMapping[],
  from: number,
  pending: Promise<unknown>,
  data: Record<string, unknown>,
  failures: { path: string; message: string }[],
): Promise<Mapped> {
  for (let i = from; i < mappings.length; i++) {
    const mapping = mappings[i]!;
    try {
      store(data, mapping, await (i === from ? pending : mapping.run(record.data)), failures);
    } catch (err) {
      failures.push({ path: mapping.target, message: mappingFailure(err) });
    }
  }
  return mapped(data, failures);
}

function store(data: Record<string, unknown>, mapping: CompiledMapping, value: unknown, failures: { path: string; message: string }[]): void {
  if (value === undefined) return;
  try {
    // Cloned so that a later mapping writing inside this value cannot reach the input data.
    mapping.write(data, cloneJson(value));
  } catch (err) {
    failures.push({ path: mapping.target, message: mappingFailure(err) });
  }
}

function mappingFailure(err: unknown): string {
  return err instanceof MappingError ? err.message : `expression failed: ${(err as Error).message}`;
}

function mapped(data: Record<string, unknown>, failures: { path: string; message: string }[]): Mapped {
  if (failures.length === 0) return { data };
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return { message: `mapping to "${first.path}" failed: ${first.message}${more}`, failures };
}

function cloneJson(value: unknown): unknown {
  try {
    return plainJson(value);
  } catch (err) {
    throw new MappingError((err as Error).message);
  }
}

/** A field mapping's op on the value at its source path (`source`) of the record's `data`. */
function applyOp(m: FieldMapping, source: unknown, data: unknown): unknown {
  switch (m.op) {
    case 'constant':
      return m.value;
    case 'default':
      return source === undefined || source === null || source === '' ? m.value : source;
    case 'template':
      return fillTemplate(m.template ?? '', data);
    case 'copy':
      return source;
  }
  // The converting ops: nothing to convert stays nothing.
  if (source === undefined || source === null) return source;
  switch (m.op) {
    case 'trim':
      return text(source).trim();
    case 'lowercase':
      return text(source).toLowerCase();
    case 'uppercase':
      return text(source).toUpperCase();
    case 'number':
      return toNumber(source);
    case 'integer':
      return toInteger(source);
    case 'boolean':
      return toBoolean(source);
    case 'date':
      return toIsoDate(source);
  }
}

function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new MappingError(`expected text, got ${preview(value)}`);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Numbers as is; decimal text parsed (no hex, no thousands separators); "" becomes null. */
function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return null;
    const n = Number(s);
    if (DECIMAL.test(s) && Number.isFinite(n)) return n;
  }
  throw new MappingError(`cannot convert ${preview(value)} to a number`);
}

/** Like number, but the value must be a whole number: 42.5 is refused rather than rounded. */
function toInteger(value: unknown): number | null {
  let n: number | null;
  try {
    n = toNumber(value);
  } catch {
    throw new MappingError(`cannot convert ${preview(value)} to an integer`);
  }
  if (n === null || Number.isSafeInteger(n)) return n;
  throw new MappingError(`cannot convert ${preview(value)} to an integer: not a whole number`);
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0', 'off']);

function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (s === '') return null;
    if (TRUE_WORDS.has(s)) return true;
    if (FALSE_WORDS.has(s)) return false;
  }
  throw new MappingError(`cannot convert ${preview(value)} to a boolean (expected true/false, yes/no, 1/0, on/off)`);
}

/** Text the JavaScript Date parser accepts, or epoch milliseconds, as ISO 8601 in UTC; "" becomes null. */
function toIsoDate(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() === '') return null;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(typeof value === 'string' ? value.trim() : value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new MappingError(`cannot read ${preview(value)} as a date`);
}

function fillTemplate(template: string, data: unknown): string {
  return template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (_, path: string) => {
    const value = getPath(data, path);
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
