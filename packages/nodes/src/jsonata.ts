import jsonata from 'jsonata';
import { NodeConfigError } from './define.js';

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
