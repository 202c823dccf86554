import jsonata from 'jsonata';
import { NodeConfigError } from './define.js';
import { isPlainObject } from './path.js';

export type Expression = ReturnType<typeof jsonata>;

/** Compiles a JSONata expression once, turning a syntax error into a config error at `path`. */
export function compileExpression(source: string, path: string): Expression {
  try {
    return jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    const where = e.position === undefined ? '' : ` (at character ${e.position})`;
    throw new NodeConfigError(path, `invalid JSONata expression: ${e.message ?? String(err)}${where}`, { cause: err });
  }
}

/**
 * A plain JSON copy of an expression's result. Not structuredClone: JSONata marks its result
 * arrays with extra properties (`sequence`) and can return functions, neither of which belongs in
 * record data. Throws for a function.
 */
export function plainJson(value: unknown): unknown {
  if (typeof value === 'function' || (isPlainObject(value) && value._jsonata_lambda === true)) {
    throw new Error('the value is a function, not data');
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : plainJson(v)));
  if (isPlainObject(value)) {
    // fromEntries defines properties, so even a "__proto__" key stays data.
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, plainJson(v)]])));
  }
  return value;
}
