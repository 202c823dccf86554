// `{ "$secret": "crm-token" }` anywhere in a node's config: found before compiling, replaced by the
// secret's value in the copy the compiler parses. The stored graph keeps the reference.
import { formatPath, isSecretRef } from '@sluice/shared';

export interface MissingSecret {
  /** "config.headers.Authorization" */
  path: string;
  name: string;
}

/** Every secret name referenced in `value` (a node config, or a whole graph). */
export function secretNamesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (isSecretRef(value)) into.add(value.$secret);
  else if (Array.isArray(value)) for (const v of value) secretNamesIn(v, into);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) secretNamesIn(v, into);
  return into;
}

/** A copy of `config` with every reference replaced by its value; references with no value are listed. */
export function resolveSecretRefs(config: unknown, values: ReadonlyMap<string, string>): { config: unknown; missing: MissingSecret[] } {
  const missing: MissingSecret[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (isSecretRef(value)) {
      const resolved = values.get(value.$secret);
      if (resolved === undefined) missing.push({ path: formatPath(['config', ...path]), name: value.$secret });
      return resolved ?? '';
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { config: walk(config, []), missing };
}
