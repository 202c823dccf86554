import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { NodeConfigError } from './define.js';

// JSON Schema (draft 2020-12) compiled once per deployed version, shared by the webhook source and
// the schema validator, with ajv's errors turned into dotted paths an analyst can read.

/** Problems reported per record: a record that breaks a schema everywhere should not fill a dead letter. */
export const MAX_SCHEMA_PROBLEMS = 20;

export interface SchemaProblem {
  /** Dotted path to the field at fault ("items.0.price"); "" for the record itself. */
  path: string;
  message: string;
}

export interface CompiledSchema {
  /** The problems with `data`, empty when it is valid. */
  check(data: unknown): SchemaProblem[];
}

/** Compiles `schema`, turning an invalid schema into a config error at `path`. */
export function compileJsonSchema(schema: Record<string, unknown>, path: string): CompiledSchema {
  // One ajv per schema: ajv caches by `$id`, and two nodes may well reuse the same `$id`.
  // strict is off because real-world schemas carry vendor keywords (`x-…`); the schema is still
  // checked against the 2020-12 meta-schema, which catches misspelled types and bad keyword values.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new NodeConfigError(path, `invalid JSON Schema: ${(err as Error).message}`, { cause: err });
  }
  return {
    check(data) {
      if (validate(data)) return [];
      const errors = validate.errors ?? [];
      const problems = errors.slice(0, MAX_SCHEMA_PROBLEMS).map(toProblem);
      if (errors.length > MAX_SCHEMA_PROBLEMS) {
        problems.push({ path: '', message: `…and ${errors.length - MAX_SCHEMA_PROBLEMS} more problems` });
      }
      return problems;
    },
  };
}

function toProblem(error: ErrorObject): SchemaProblem {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Point at the missing or unexpected property itself, not at the object that should hold it.
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    segments.push(params.missingProperty);
    return { path: segments.join('.'), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    segments.push(params.additionalProperty);
    return { path: segments.join('.'), message: 'is not allowed' };
  }
  return { path: segments.join('.'), message: error.message ?? `fails ${error.keyword}` };
}

/** One line for a dead letter: 'fails the JSON Schema: email must match format "email"; age is required'. */
export function summariseProblems(problems: SchemaProblem[]): string {
  const parts = problems.slice(0, 3).map((p) => (p.path ? `${p.path} ${p.message}` : p.message));
  return `fails the JSON Schema: ${parts.join('; ')}${problems.length > 3 ? '; …' : ''}`;
}
