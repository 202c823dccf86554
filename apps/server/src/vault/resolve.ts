// `{ "$secret": "crm-token" }` anywhere in a node's config: found before compiling, replaced by the
// secret's value in the copy the compiler parses. The stored graph keeps the reference.
import { formatPath, isSecretRef } from '@sluice/shared';

export interface MissingSecret {
  /** "config.headers.Authorization" */
  path: string;
  name: string;
  /** 'missing': no such secret; 'misplaced': a field that does not take a secret. */
  problem: 'missing' | 'misplaced';
}

/** Every secret name referenced in `value` (a node config, or a whole graph). */
export function secretNamesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (isSecretRef(value)) into.add(value.$secret);
  else if (Array.isArray(value)) for (const v of value) secretNamesIn(v, into);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) secretNamesIn(v, into);
  return into;
}

/**
 * A copy of `config` with every reference replaced by its value. References with no value, and
 * references in fields `allowed` refuses (not a credential field), are listed and left empty.
 */
export function resolveSecretRefs(
  config: unknown,
  values: ReadonlyMap<string, string>,
  allowed: (path: readonly (string | number)[]) => boolean = () => true,
): { config: unknown; missing: MissingSecret[] } {
  const missing: MissingSecret[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (isSecretRef(value)) {
      if (!allowed(path)) {
        missing.push({ path: formatPath(['config', ...path]), name: value.$secret, problem: 'misplaced' });
        return '';
      }
      const resolved = values.get(value.$secret);
      if (resolved === undefined) missing.push({ path: formatPath(['config', ...path]), name: value.$secret, problem: 'missing' });
      return resolved ?? '';
    }
    // By index: an array built in process may carry own properties (even one named "map").
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => walk(value[i], [...path, i]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { config: walk(config, []), missing };
}
