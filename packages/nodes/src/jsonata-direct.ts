// Direct evaluation of the everyday subset of JSONata: field paths, arithmetic, comparisons,
// conditions, object constructors and a handful of aggregate functions, computed synchronously by
// closures built once from JSONata's own parse tree (never with eval or Function).
//
// JSONata 2 evaluates asynchronously: every step of every expression is awaited, so an expression
// such as `$abs(total - $sum(items.(price * qty))) <= 0.01` costs dozens of promises per record. Most
// analysts' expressions need none of that. For those, this module mirrors JSONata's semantics for the
// happy path only: whenever a value is not the plain kind the subset handles (a type error JSONata
// would report, a number out of range, an array where a scalar is compared, ...), it gives up on that
// record with NOT_DIRECT and the caller lets JSONata evaluate it. So JSONata stays the one authority
// on errors and on everything unusual, and the two paths cannot disagree on a result: the property
// test in jsonata-direct.test.ts compares them on generated expressions and data.
//
// The subset has no lambdas, bindings, recursion or regexes, so an evaluation's cost is bounded by
// the expression's size times the input's: no time or depth guard is needed here.

/** The direct evaluator declined (an unsupported value); evaluate this input with JSONata instead. */
export const NOT_DIRECT: unique symbol = Symbol('not direct');

/** Thrown inside an evaluation to give up on the current input; caught at the top. */
const GIVE_UP = new Error('not direct');

/**
 * JSONata's sequences: results of path steps, flattened and collapsed as JSONata does. A wrapper,
 * not an Array subclass (V8 makes those slow to create), so data arrays and sequences stay apart.
 */
class Sequence {
  constructor(readonly items: unknown[]) {}
}

/** Sequences as the arrays JSONata hands back (its own are arrays flagged `sequence`). */
function asData(value: unknown): unknown {
  return value instanceof Sequence ? value.items : value;
}

type Evaluator = (input: unknown) => unknown;

interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: AstNode[];
  expressions?: AstNode[];
  lhs?: AstNode | [AstNode, AstNode][];
  rhs?: AstNode;
  expression?: AstNode;
  procedure?: AstNode;
  arguments?: AstNode[];
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
}

/** Keys each node type may carry; any other key (predicates, stages, grouping, focus, ...) is outside the subset. */
const ALLOWED_KEYS: Record<string, ReadonlySet<string>> = {
  path: new Set(['type', 'steps', 'position']),
  name: new Set(['type', 'value', 'position']),
  block: new Set(['type', 'expressions', 'position']),
  binary: new Set(['type', 'value', 'lhs', 'rhs', 'position']),
  unary: new Set(['type', 'value', 'expression', 'lhs', 'position']),
  function: new Set(['type', 'value', 'procedure', 'arguments', 'position']),
  condition: new Set(['type', 'condition', 'then', 'else', 'position']),
  variable: new Set(['type', 'value', 'position']),
  string: new Set(['type', 'value', 'position']),
  number: new Set(['type', 'value', 'position']),
  value: new Set(['type', 'value', 'position']),
};

/** Not compilable into the subset: the caller always uses JSONata for this expression. */
class Unsupported extends Error {}

/**
 * Compiles a parsed JSONata expression (`jsonata(source).ast()`) into a direct evaluator, or returns
 * null when the expression uses anything outside the subset. The evaluator returns NOT_DIRECT for
 * inputs it declines.
 */
export function compileDirect(ast: unknown): ((input: unknown) => unknown) | null {
  let evaluate: Evaluator;
  try {
    evaluate = compileNode(ast as AstNode);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  return (input) => {
    // JSONata wraps a top-level array in a sequence of its own; records are objects, so leave arrays to it.
    if (Array.isArray(input)) return NOT_DIRECT;
    try {
      return asData(evaluate(input));
    } catch (err) {
      if (err === GIVE_UP) return NOT_DIRECT;
      throw err;
    }
  };
}

function compileNode(node: AstNode): Evaluator {
  const allowed = ALLOWED_KEYS[node.type];
  if (!allowed) throw new Unsupported(node.type);
  for (const [key, value] of Object.entries(node)) if (value !== undefined && !allowed.has(key)) throw new Unsupported(key);
  const raw = compileRaw(node);
  // Every evaluation step collapses its sequence result, as JSONata's evaluate() does.
  return (input) => collapse(raw(input));
}

function collapse(value: unknown): unknown {
  if (value instanceof Sequence) {
    if (value.items.length === 0) return undefined;
    if (value.items.length === 1) return value.items[0];
  }
  return value;
}

function compileRaw(node: AstNode): Evaluator {
  switch (node.type) {
    case 'string':
    case 'number': {
      const value = node.value;
      return () => value;
    }
    case 'value': {
      const value = node.value;
      if (value !== true && value !== false && value !== null) throw new Unsupported('value');
      return () => value;
    }
    case 'variable':
      // `$`, the context; named variables need bindings, which the subset has none of.
      if (node.value !== '') throw new Unsupported('variable');
      return (input) => input;
    case 'name': {
      const key = String(node.value);
      return (input) => lookup(input, key);
    }
    case 'path':
      return compilePath(node.steps ?? []);
    case 'block': {
      const expressions = (node.expressions ?? []).map(compileNode);
      return (input) => {
        let result: unknown;
        for (const e of expressions) result = e(input);
        return result;
      };
    }
    case 'condition': {
      const condition = compileNode(need(node.condition));
      const then = compileNode(need(node.then));
      const otherwise = node.else === undefined ? null : compileNode(node.else);
      return (input) => {
        if (asBoolean(condition(input))) return then(input);
        return otherwise ? otherwise(input) : undefined;
      };
    }
    case 'unary':
      return compileUnary(node);
    case 'binary':
      return compileBinary(node);
    case 'function':
      return compileFunction(node);
  }
  throw new Unsupported(node.type);
}

function need(node: AstNode | undefined): AstNode {
  if (node === undefined) throw new Unsupported('missing operand');
  return node;
}

/** JSONata's `lookup`: a field of an object, or of every object in an array, flattened one level. */
function lookup(input: unknown, key: string): unknown {
  if (input instanceof Sequence) input = input.items;
  if (Array.isArray(input)) {
    const result: unknown[] = [];
    for (const item of input) {
      const value = asData(lookup(item, key));
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) result.push(v);
      else result.push(value);
    }
    return new Sequence(result);
  }
  if (input !== null && typeof input === 'object' && Object.prototype.hasOwnProperty.call(input, key)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

function compilePath(stepNodes: AstNode[]): Evaluator {
  if (stepNodes.length === 0) throw new Unsupported('empty path');
  const steps = stepNodes.map(compileNode);
  const relative = stepNodes[0]!.type !== 'variable';
  const last = steps.length - 1;
  return (input) => {
    let inputSequence: unknown[];
    if (input instanceof Sequence && relative) inputSequence = input.items;
    else if (Array.isArray(input) && relative) inputSequence = input;
    else inputSequence = [input];
    let result: Sequence | unknown[] = new Sequence([]);
    for (let i = 0; i <= last; i++) {
      result = evaluateStep(steps[i]!, inputSequence, i === last);
      // Only a last step returns a data array; every other step continues from a sequence.
      if (!(result instanceof Sequence)) break;
      if (result.items.length === 0) break;
      inputSequence = result.items;
    }
    return result;
  };
}

/** JSONata's evaluateStep without stages: map the step over the input sequence, then flatten. */
function evaluateStep(step: Evaluator, input: unknown[], lastStep: boolean): Sequence | unknown[] {
  const result: unknown[] = [];
  for (const item of input) {
    const value = step(item);
    if (value !== undefined) result.push(value);
  }
  // A last step that found one array in the data returns that array itself (not a sequence).
  if (lastStep && result.length === 1 && Array.isArray(result[0])) return result[0];
  const flattened: unknown[] = [];
  for (const value of result) {
    const items = value instanceof Sequence ? value.items : value;
    if (Array.isArray(items)) for (const v of items) flattened.push(v);
    else flattened.push(items);
  }
  return new Sequence(flattened);
}

function compileUnary(node: AstNode): Evaluator {
  if (node.value === '-') {
    const operand = compileNode(need(node.expression));
    return (input) => {
      const value = operand(input);
      if (value === undefined) return undefined;
      return -finiteNumber(value);
    };
  }
  if (node.value === '{') return compileObject(node.lhs);
  throw new Unsupported(`unary ${String(node.value)}`);
}

/** Keys JSONata refuses or treats specially in an object constructor. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', '_jsonata_lambda', '_jsonata_function']);

/**
 * An object constructor with literal, distinct keys, evaluated against a single context object
 * (JSONata groups a sequence of contexts by key; that case is left to it).
 */
function compileObject(pairs: AstNode['lhs']): Evaluator {
  if (!Array.isArray(pairs)) throw new Unsupported('object');
  const seen = new Set<string>();
  const fields = pairs.map(([keyNode, valueNode]) => {
    if (keyNode.type !== 'string' || typeof keyNode.value !== 'string' || seen.has(keyNode.value) || RESERVED_KEYS.has(keyNode.value)) {
      throw new Unsupported('object key');
    }
    seen.add(keyNode.value);
    return { key: keyNode.value, value: compileNode(valueNode) };
  });
  return (input) => {
    if (Array.isArray(input) || input instanceof Sequence) throw GIVE_UP;
    const result: Record<string, unknown> = {};
    for (const field of fields) {
      const value = asData(field.value(input));
      if (value !== undefined) result[field.key] = value;
    }
    return result;
  };
}

/** A number JSONata would accept in arithmetic: finite (JSON has no NaN). */
function finiteNumber(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw GIVE_UP;
  return value;
}

/** JSONata's truthiness for the cases the subset decides: booleans and nothing. */
function asBoolean(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw GIVE_UP;
  return value;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function compileBinary(node: AstNode): Evaluator {
  const lhs = compileNode(need(node.lhs as AstNode | undefined));
  const rhs = compileNode(need(node.rhs));
  switch (node.value) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const op = node.value;
      return (input) => {
        const a = lhs(input);
        const b = rhs(input);
        if (a !== undefined) finiteNumber(a);
        if (b !== undefined) finiteNumber(b);
        if (a === undefined || b === undefined) return undefined;
        const x = a as number;
        const y = b as number;
        const result = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
        // Out of range (or 0/0): JSONata reports it where the value is used; let it.
        if (!Number.isFinite(result)) throw GIVE_UP;
        return result;
      };
    }
    case '=':
    case '!=': {
      const equal = node.value === '=';
      return (input) => {
        const a = lhs(input);
        const b = rhs(input);
        if (a === undefined || b === undefined) return false;
        if (!isScalar(a) || !isScalar(b)) throw GIVE_UP;
        return (a === b) === equal;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const op = node.value;
      return (input) => {
        const a = lhs(input);
        const b = rhs(input);
        const ta = typeof a;
        const tb = typeof b;
        if ((ta !== 'undefined' && ta !== 'string' && ta !== 'number') || (tb !== 'undefined' && tb !== 'string' && tb !== 'number')) throw GIVE_UP;
        if (a === undefined || b === undefined) return undefined;
        if (ta !== tb) throw GIVE_UP;
        const x = a as number | string;
        const y = b as number | string;
        return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
      };
    }
    case 'and':
      return (input) => asBoolean(lhs(input)) && asBoolean(rhs(input));
    case 'or':
      return (input) => asBoolean(lhs(input)) || asBoolean(rhs(input));
    case '&':
      return (input) => text(lhs(input)) + text(rhs(input));
  }
  throw new Unsupported(`operator ${String(node.value)}`);
}

/** `&` turns values into text with $string; the subset takes text and nothing. */
function text(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw GIVE_UP;
  return value;
}

/** The numbers of an `array<number>` argument (a single number counts as one). */
function numbers(value: unknown): number[] {
  if (typeof value === 'number') return [finiteNumber(value)];
  const items = asData(value);
  if (!Array.isArray(items)) throw GIVE_UP;
  for (const v of items) finiteNumber(v);
  return items as number[];
}

const FUNCTIONS: Record<string, (arg: unknown) => unknown> = {
  sum: (arg) => (arg === undefined ? undefined : numbers(arg).reduce((total, n) => total + n, 0)),
  count: (arg) => {
    if (arg === undefined) return 0;
    const items = asData(arg);
    return Array.isArray(items) ? items.length : 1;
  },
  max: (arg) => {
    if (arg === undefined) return undefined;
    const ns = numbers(arg);
    return ns.length === 0 ? undefined : Math.max(...ns);
  },
  min: (arg) => {
    if (arg === undefined) return undefined;
    const ns = numbers(arg);
    return ns.length === 0 ? undefined : Math.min(...ns);
  },
  abs: (arg) => (arg === undefined ? undefined : Math.abs(finiteNumber(arg))),
  lowercase: (arg) => (arg === undefined ? undefined : text(arg).toLowerCase()),
  uppercase: (arg) => (arg === undefined ? undefined : text(arg).toUpperCase()),
  exists: (arg) => arg !== undefined,
  not: (arg) => (arg === undefined ? undefined : !asBoolean(arg)),
};

function compileFunction(node: AstNode): Evaluator {
  const procedure = need(node.procedure);
  const args = node.arguments ?? [];
  if (procedure.type !== 'variable' || typeof procedure.value !== 'string' || Object.entries(procedure).some(([k, v]) => v !== undefined && !ALLOWED_KEYS.variable!.has(k))) {
    throw new Unsupported('procedure');
  }
  const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, procedure.value) ? FUNCTIONS[procedure.value] : undefined;
  // One explicit argument: the zero-argument forms read the context, which the subset leaves to JSONata.
  if (!fn || args.length !== 1) throw new Unsupported(`function ${procedure.value}`);
  const arg = compileNode(args[0]!);
  return (input) => fn(arg(input));
}
