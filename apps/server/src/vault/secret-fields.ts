// Where a node type takes a secret: the config fields its zod schema marks with SECRET_REF_META
// (credentials: a URL, header values, a connection string). A reference anywhere else is refused,
// so a secret can never be copied into record data (a template, an expression) and shown.
import { z } from 'zod';
import type { NodeType } from '@sluice/nodes';

/** Config paths as patterns: a key, `*` for any key of a record, `[]` for any item of a list. */
type Pattern = string[];

const cache = new Map<string, Pattern[]>();

export function secretFieldPatterns(type: NodeType): Pattern[] {
  let patterns = cache.get(type.type);
  if (!patterns) {
    patterns = [];
    collect(z.toJSONSchema(type.config, { io: 'input', unrepresentable: 'any' }), [], patterns);
    cache.set(type.type, patterns);
  }
  return patterns;
}

function collect(schema: unknown, at: Pattern, out: Pattern[]): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as Record<string, unknown>;
  if (s.secretRef === true) out.push(at);
  if (typeof s.properties === 'object' && s.properties !== null) {
    for (const [key, sub] of Object.entries(s.properties)) collect(sub, [...at, key], out);
  }
  if (typeof s.additionalProperties === 'object') collect(s.additionalProperties, [...at, '*'], out);
  if (typeof s.items === 'object') collect(s.items, [...at, '[]'], out);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(s[key])) for (const sub of s[key]) collect(sub, at, out);
  }
}

/** Does a config path (`['headers', 'Authorization']`) match one of the patterns? */
export function takesSecret(patterns: readonly Pattern[], path: readonly (string | number)[]): boolean {
  return patterns.some(
    (p) => p.length === path.length && p.every((seg, i) => (seg === '[]' ? typeof path[i] === 'number' : seg === '*' ? typeof path[i] === 'string' : seg === path[i])),
  );
}

/** "url, headers.*" for messages. */
export function describePatterns(patterns: readonly Pattern[]): string {
  return patterns.map((p) => p.join('.').replace(/\.\[\]/g, '[]')).join(', ');
}
