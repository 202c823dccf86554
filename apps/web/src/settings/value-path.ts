// Paths into a config value: the form addresses fields with segment lists, the server names them
// as `config.rules[0].expression` (or `config.rules.0.expression` for compile errors). Both become
// one key, `rules.0.expression`, so an error finds its field whichever way it was written.

export type PathSegment = string | number;

/** `['rules', 0, 'expression']` → `rules.0.expression` (the root is `''`). */
export function pathKey(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

/** `config.rules[0].expression` → `['config', 'rules', 0, 'expression']`; digits become indexes. */
export function parsePath(path: string): PathSegment[] {
  if (path.trim() === '') return [];
  const out: PathSegment[] = [];
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (part === '') continue;
    out.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  return out;
}

/** A copy of `root` with `value` at `path`; `undefined` removes an object key (the default applies). */
export function setIn(root: unknown, path: readonly PathSegment[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const list = Array.isArray(root) ? [...root] : [];
    list[head] = setIn(list[head], rest, value);
    return list;
  }
  const obj: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  const next = setIn(obj[head], rest, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

export function getIn(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current)) current = typeof segment === 'number' ? current[segment] : undefined;
    else if (isPlainObject(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
