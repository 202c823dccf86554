import { pathKey, parsePath, type PathSegment } from './value-path';

/** A problem with one part of the form's value; `path` is relative to the value (`rules[0].expression`). */
export interface FormError {
  path: string | readonly PathSegment[];
  message: string;
}

export interface AttachedErrors {
  /** Messages per field key (`rules.0.expression`). */
  byField: Map<string, string[]>;
  /** Messages that name no drawn field (or the whole value): shown above the form. */
  unattached: string[];
}

/**
 * Gives every error to the deepest drawn field its path starts with: `headers.X-Api-Key` lands on
 * that header's row, `schema.properties.id` on the `schema` editor, `rules[3]` on the rules list
 * when there is no fourth rule. What names no field is returned as unattached.
 */
export function attachErrors(errors: readonly FormError[], drawnPaths: readonly string[]): AttachedErrors {
  const drawn = new Set(drawnPaths);
  const byField = new Map<string, string[]>();
  const unattached: string[] = [];
  for (const error of errors) {
    const segments = typeof error.path === 'string' ? parsePath(error.path) : [...error.path];
    let target: string | undefined;
    for (let n = segments.length; n > 0; n--) {
      const key = pathKey(segments.slice(0, n));
      if (drawn.has(key)) {
        target = key;
        break;
      }
    }
    if (target === undefined) {
      unattached.push(segments.length > 0 ? `${pathKey(segments)}: ${error.message}` : error.message);
      continue;
    }
    const list = byField.get(target) ?? [];
    if (!list.includes(error.message)) list.push(error.message);
    byField.set(target, list);
  }
  return { byField, unattached };
}
