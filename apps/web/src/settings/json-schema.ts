// The JSON Schema subset the settings form draws (what zod v4's `toJSONSchema` emits for node
// configs), parsed from the API's untyped `configSchema`, and the one decision of which field a
// schema becomes. The form and the error mapping both use `fieldKind`, so they always agree.
import { z } from 'zod';
import { isPlainObject, pathKey, type PathSegment } from './value-path';

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

// Every known key tolerates a shape it does not expect (`.catch`): an odd schema degrades to a
// free JSON field instead of breaking the form.
const JsonSchemaSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    type: z.union([z.string(), z.array(z.string())]).optional().catch(undefined),
    title: z.string().optional().catch(undefined),
    description: z.string().optional().catch(undefined),
    default: z.unknown().optional(),
    enum: z.array(z.unknown()).optional().catch(undefined),
    const: z.unknown().optional(),
    format: z.string().optional().catch(undefined),
    pattern: z.string().optional().catch(undefined),
    minimum: z.number().optional().catch(undefined),
    maximum: z.number().optional().catch(undefined),
    exclusiveMinimum: z.number().optional().catch(undefined),
    exclusiveMaximum: z.number().optional().catch(undefined),
    minLength: z.number().optional().catch(undefined),
    maxLength: z.number().optional().catch(undefined),
    minItems: z.number().optional().catch(undefined),
    maxItems: z.number().optional().catch(undefined),
    properties: z.record(z.string(), JsonSchemaSchema).optional().catch(undefined),
    required: z.array(z.string()).optional().catch(undefined),
    additionalProperties: z.union([z.boolean(), JsonSchemaSchema]).optional().catch(undefined),
    items: JsonSchemaSchema.optional().catch(undefined),
    anyOf: z.array(JsonSchemaSchema).optional().catch(undefined),
    oneOf: z.array(JsonSchemaSchema).optional().catch(undefined),
  }),
);

/** Reads an untyped schema (from the API); anything unreadable becomes `{}`, a free JSON field. */
export function parseJsonSchema(raw: unknown): JsonSchema {
  const parsed = JsonSchemaSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

export type FieldKind =
  | { kind: 'union'; variants: JsonSchema[] }
  | { kind: 'enum'; options: unknown[] }
  | { kind: 'boolean' }
  | { kind: 'number'; integer: boolean }
  | { kind: 'text'; format: 'plain' | 'url' | 'multiline' | 'cron' }
  | { kind: 'jsonata' }
  | { kind: 'object' }
  | { kind: 'map'; secrets: boolean }
  /** A string that may instead name a vault secret (`{ "$secret": name }`). */
  | { kind: 'secretable'; text: JsonSchema }
  | { kind: 'list'; item: JsonSchema }
  | { kind: 'rows'; item: JsonSchema }
  | { kind: 'json' };

/** Longest text that still gets a one-line input; longer limits (templates) get a text area. */
const ONE_LINE_MAX = 2000;

function types(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** The schema without a `null` alternative (`anyOf: [X, {type: 'null'}]` → X). */
export function withoutNull(schema: JsonSchema): JsonSchema {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const rest = alternatives.filter((s) => !types(s).includes('null') || types(s).length > 1);
    if (rest.length === 1 && rest[0]) return { ...rest[0], description: schema.description ?? rest[0].description, default: schema.default ?? rest[0].default };
  }
  const t = types(schema).filter((x) => x !== 'null');
  if (t.length === 1 && types(schema).length > 1) return { ...schema, type: t[0] };
  return schema;
}

/** JSONata is recognised by the field name the node types use (`expression`) or by its description. */
function isJsonata(name: string, schema: JsonSchema): boolean {
  return name === 'expression' || /\bJSONata (expression|condition)\b/.test(schema.description ?? '');
}

/** The schema of `{ "$secret": name }`, as the server adds it to fields that may hold a credential. */
function isSecretRefSchema(schema: JsonSchema): boolean {
  const props = Object.keys(schema.properties ?? {});
  return types(schema)[0] === 'object' && props.length === 1 && props[0] === '$secret';
}

/** For a string that may be a secret reference instead (`anyOf: [string, secret ref]`): the string's schema. */
export function secretableText(schema: JsonSchema): JsonSchema | null {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (!alternatives || alternatives.length !== 2 || !alternatives.some(isSecretRefSchema)) return null;
  const text = alternatives.find((a) => !isSecretRefSchema(a));
  if (!text || types(text)[0] !== 'string') return null;
  return { ...text, description: schema.description ?? text.description, default: schema.default ?? text.default };
}

/** Which control a schema becomes. `name` is the property name (JSONata fields are named `expression`). */
export function fieldKind(name: string, raw: JsonSchema): FieldKind {
  const schema = withoutNull(raw);
  const text = secretableText(schema);
  if (text) return { kind: 'secretable', text };
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 1) return { kind: 'union', variants: alternatives };
  if (schema.enum && schema.enum.length > 0) return { kind: 'enum', options: schema.enum };
  if (schema.const !== undefined) return { kind: 'enum', options: [schema.const] };
  const [type] = types(schema);
  switch (type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'integer':
      return { kind: 'number', integer: true };
    case 'number':
      return { kind: 'number', integer: false };
    case 'string':
      if (isJsonata(name, schema)) return { kind: 'jsonata' };
      if (schema.format === 'uri' || schema.format === 'url') return { kind: 'text', format: 'url' };
      if (schema.format === 'cron') return { kind: 'text', format: 'cron' };
      if ((schema.maxLength ?? 0) > ONE_LINE_MAX) return { kind: 'text', format: 'multiline' };
      return { kind: 'text', format: 'plain' };
    case 'object': {
      if (schema.properties && Object.keys(schema.properties).length > 0) return { kind: 'object' };
      const extra = schema.additionalProperties;
      if (typeof extra === 'object' && types(extra).length === 1 && types(extra)[0] === 'string' && !extra.enum) return { kind: 'map', secrets: false };
      if (typeof extra === 'object' && secretableText(extra)) return { kind: 'map', secrets: true };
      return { kind: 'json' };
    }
    case 'array': {
      const item = schema.items ? withoutNull(schema.items) : undefined;
      if (!item) return { kind: 'json' };
      const itemKind = fieldKind('', item);
      if (itemKind.kind === 'text' || itemKind.kind === 'enum' || itemKind.kind === 'number') return { kind: 'list', item };
      if (itemKind.kind === 'object' || itemKind.kind === 'union') return { kind: 'rows', item };
      return { kind: 'json' };
    }
    default:
      return { kind: 'json' };
  }
}

/**
 * Which alternative of a union a value is. Object variants are scored on the keys they require and
 * the keys they forbid (`additionalProperties: false`), so `{target, expression}` and
 * `{target, source, op}` each find their own shape; ties go to the first.
 */
export function matchVariant(variants: JsonSchema[], value: unknown): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  variants.forEach((variant, i) => {
    const score = variantScore(withoutNull(variant), value);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

function variantScore(variant: JsonSchema, value: unknown): number {
  const [type] = types(variant);
  if (!isPlainObject(value)) {
    if (value === undefined) return 0;
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    return type === actual || (type === 'integer' && actual === 'number') ? 1 : -1;
  }
  if (type !== 'object' && !variant.properties) return -10;
  let score = 0;
  for (const key of variant.required ?? []) score += key in value ? 2 : -3;
  const props = variant.properties ?? {};
  for (const key of Object.keys(value)) {
    if (key in props) score += 1;
    else if (variant.additionalProperties === false) score -= 5;
  }
  return score;
}

/** A short name for a union alternative: its title, else its description's first sentence. */
export function variantLabel(variant: JsonSchema, index: number): string {
  if (variant.title) return variant.title;
  const sentence = variant.description?.split(/(?<=\.)\s/)[0]?.replace(/\.$/, '');
  return sentence || `Option ${index + 1}`;
}

/**
 * The value a new item starts as: required fields empty (so the form shows them), defaults left out
 * (they apply anyway and the form shows them as placeholders).
 */
export function initialValue(raw: JsonSchema): unknown {
  const schema = withoutNull(raw);
  const kind = fieldKind('', schema);
  switch (kind.kind) {
    case 'union':
      return kind.variants[0] ? initialValue(kind.variants[0]) : undefined;
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        const prop = schema.properties?.[key];
        if (prop && prop.default === undefined) out[key] = initialValue(prop);
      }
      return out;
    }
    case 'text':
    case 'jsonata':
    case 'secretable':
      return '';
    case 'enum':
      return schema.default ?? kind.options[0];
    case 'boolean':
      return schema.default ?? false;
    case 'number':
      return schema.default ?? schema.minimum ?? 0;
    case 'list':
    case 'rows':
      return [];
    case 'map':
      return {};
    case 'json':
      return types(schema)[0] === 'object' ? {} : undefined;
  }
}

/** Switching a union item to another alternative keeps the fields both share (e.g. `target`). */
export function switchVariant(value: unknown, to: JsonSchema): unknown {
  const fresh = initialValue(to);
  if (!isPlainObject(value) || !isPlainObject(fresh)) return fresh;
  const props = withoutNull(to).properties ?? {};
  const kept = Object.fromEntries(Object.entries(value).filter(([key]) => key in props));
  return { ...fresh, ...kept };
}

/**
 * Every path the form draws a field for, given the current value (array rows, map entries, the
 * chosen union alternative). Errors are attached to the deepest of these that their path starts with.
 */
export function fieldPaths(schema: JsonSchema, value: unknown, at: PathSegment[] = []): string[] {
  const out: string[] = [];
  const walk = (name: string, raw: JsonSchema, v: unknown, path: PathSegment[]) => {
    out.push(pathKey(path));
    const s = withoutNull(raw);
    const kind = fieldKind(name, s);
    switch (kind.kind) {
      case 'object':
        for (const [key, prop] of Object.entries(s.properties ?? {})) walk(key, prop, isPlainObject(v) ? v[key] : undefined, [...path, key]);
        break;
      case 'union': {
        const variant = kind.variants[matchVariant(kind.variants, v)];
        if (variant && fieldKind(name, variant).kind === 'object') {
          for (const [key, prop] of Object.entries(withoutNull(variant).properties ?? {})) walk(key, prop, isPlainObject(v) ? v[key] : undefined, [...path, key]);
        }
        break;
      }
      case 'rows':
      case 'list':
        if (Array.isArray(v)) v.forEach((item, i) => walk(name, kind.item, item, [...path, i]));
        break;
      case 'map':
        if (isPlainObject(v)) for (const key of Object.keys(v)) out.push(pathKey([...path, key]));
        break;
      default:
        break;
    }
  };
  // The root object is the form itself, not a field: only its properties are walked.
  for (const [key, prop] of Object.entries(schema.properties ?? {})) walk(key, prop, isPlainObject(value) ? value[key] : undefined, [...at, key]);
  return out;
}
