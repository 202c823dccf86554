import jsonata from 'jsonata';
import { NodeConfigError } from './define.js';
import { compileDirect, NOT_DIRECT } from './jsonata-direct.js';

export { NOT_DIRECT } from './jsonata-direct.js';

/** A compiled expression, guarded so that no analyst's expression can hang a worker. */
export interface Expression {
  /** JSONata's evaluation (asynchronous, guarded by time and depth limits). */
  evaluate(input: unknown): Promise<unknown>;
  /**
   * The same result computed synchronously when the expression is in the everyday subset that
   * jsonata-direct.ts evaluates without JSONata's promise per step; NOT_DIRECT when the expression
   * or this input is outside it (then use `evaluate`, which also gives JSONata's own errors).
   */
  evaluateDirect(input: unknown): unknown;
}

/** `evaluateDirect` when it can, `evaluate` otherwise: a value, or a promise only when JSONata is needed. */
export function evaluateExpression(expression: Expression, input: unknown): unknown {
  const direct = expression.evaluateDirect(input);
  return direct === NOT_DIRECT ? expression.evaluate(input) : direct;
}

/** Per-evaluation guardrails. Defaults: 1000 ms and 500 levels of nesting. */
export interface ExpressionLimits {
  timeoutMs: number;
  maxDepth: number;
}
export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = { timeoutMs: 1000, maxDepth: 500 };

const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');

/**
 * Compiles a JSONata expression once, turning a syntax error into a config error at `path`.
 * Evaluations of one expression run one after another (JSONata is CPU-bound, so nothing is lost),
 * which lets the entry/exit hooks time and depth-limit each evaluation: a runaway loop or
 * recursion fails that record instead of blocking the process.
 */
export function compileExpression(source: string, path: string, limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS): Expression {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    const where = e.position === undefined ? '' : ` (at character ${e.position})`;
    throw new NodeConfigError(path, `invalid JSONata expression: ${e.message ?? String(err)}${where}`, { cause: err });
  }
  let depth = 0;
  let startedAt = 0;
  let steps = 0;
  const guard = (_expr: unknown, _input: unknown, environment: { isParallelCall?: boolean }, ...rest: unknown[]) => {
    if (environment.isParallelCall) return;
    depth += rest.length === 0 ? 1 : -1; // the exit hook gets one more argument (the result)
    if (depth > limits.maxDepth) throw new Error(`the expression nests deeper than ${limits.maxDepth} levels (runaway recursion?)`);
    // Reading the clock at every step costs more than the step; every 64th is precise enough.
    if ((++steps & 63) === 0 && Date.now() - startedAt > limits.timeoutMs) {
      throw new Error(`the expression ran longer than ${limits.timeoutMs} ms (runaway loop?)`);
    }
  };
  // JSONata's hooks are bound under symbols, which its typings (string names) do not describe.
  Reflect.apply(compiled.assign, compiled, [ENTRY, guard]);
  Reflect.apply(compiled.assign, compiled, [EXIT, guard]);
  let tail: Promise<unknown> = Promise.resolve();
  const direct = compileDirect(compiled.ast());
  return {
    evaluateDirect: direct ?? (() => NOT_DIRECT),
    evaluate(input) {
      const run = tail.then(() => {
        depth = 0;
        startedAt = Date.now();
        return compiled.evaluate(input);
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * A plain JSON copy of an expression's result. Not structuredClone: JSONata marks its result
 * arrays with extra properties (`sequence`) and can return functions, neither of which belongs in
 * record data. Throws for a function.
 */
export function plainJson(value: unknown): unknown {
  if (typeof value === 'function') throw new Error('the value is a function, not data');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      copy[i] = v === undefined ? null : plainJson(v);
    }
    return copy;
  }
  const source = value as Record<string, unknown>;
  if (source._jsonata_lambda === true) throw new Error('the value is a function, not data');
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (v === undefined) continue;
    // Defined, not assigned, so that even a "__proto__" key stays data.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: plainJson(v), writable: true, enumerable: true, configurable: true });
    else copy[key] = plainJson(v);
  }
  return copy;
}
