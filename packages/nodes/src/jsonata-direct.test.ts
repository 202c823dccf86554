import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileDirect, NOT_DIRECT } from './jsonata-direct.js';
import { plainJson } from './jsonata.js';

const direct = (source: string) => compileDirect(jsonata(source).ast());

/** JSONata's own answer, as data (its sequences and flags removed), or the error it throws. */
async function viaJsonata(source: string, input: unknown): Promise<{ value: unknown } | { error: unknown }> {
  try {
    return { value: plainJson(await jsonata(source).evaluate(input)) };
  } catch (error) {
    return { error };
  }
}

const order = {
  id: 'o-1',
  total: 25,
  customer: { email: 'Ann@Example.com', tags: ['vip'] },
  items: [
    { sku: 'a', price: 10, qty: 2 },
    { sku: 'b', price: 5, qty: 1 },
  ],
};

describe('direct evaluation of the JSONata subset', () => {
  it.each([
    ['$abs(total - $sum(items.(price * qty))) <= 0.01', true],
    ['$count(items)', 2],
    ['items.sku', ['a', 'b']],
    ['items.price', [10, 5]],
    ['customer.email', 'Ann@Example.com'],
    ['$lowercase(customer.email)', 'ann@example.com'],
    ['customer.tags', ['vip']],
    ['total > 100 ? "large" : "small"', 'small'],
    ['{ "order": id, "n": $count(items), "missing": nothing }', { order: 'o-1', n: 2 }],
    ['items.{ "sku": sku, "line": price * qty }', [{ sku: 'a', line: 20 }, { sku: 'b', line: 5 }]],
    ['$exists(customer) and $not(total = 0)', true],
    ['-total + 1', -24],
    ['$max(items.price) - $min(items.price)', 5],
    ['nothing', undefined],
    ['$sum(nothing)', undefined],
    ['id & "-" & customer.email', 'o-1-Ann@Example.com'],
  ])('%s', async (source, expected) => {
    const evaluate = direct(source);
    expect(evaluate, 'compiles into the subset').not.toBeNull();
    const value = evaluate!(order);
    expect(value).not.toBe(NOT_DIRECT);
    expect(plainJson(value)).toEqual(expected);
    expect(await viaJsonata(source, order)).toEqual({ value: expected });
  });

  it.each(['items[price > 5]', '$string(total)', 'items^(price)', '$x := 1', 'function($a) { $a }', '**.sku', '$round(total)', '$sum()', 'items#$i.sku'])(
    'leaves %s to JSONata',
    (source) => {
      expect(direct(source)).toBeNull();
    },
  );

  it.each([
    ['total + "1"', { total: 1 }],
    ['total < "a"', { total: 1 }],
    ['$sum(items)', { items: [1, 'two'] }],
    ['a and b', { a: 'yes', b: true }],
    ['a = b', { a: { x: 1 }, b: { x: 1 } }],
    ['a * b', { a: 1e200, b: 1e200 }],
  ])('declines %s on data JSONata must judge', (source, input) => {
    expect(direct(source)!(input)).toBe(NOT_DIRECT);
  });

  it('declines a top-level array (JSONata wraps it in a sequence of its own)', () => {
    expect(direct('$count($)')!([1, 2])).toBe(NOT_DIRECT);
  });
});

// ---------------------------------------------------------------------------------------------
// The property: on generated expressions of the subset and generated data, the direct evaluator
// either declines or gives exactly JSONata's answer; and it never answers where JSONata throws.

const FIELDS = ['a', 'b', 'items', 'price', 'qty', 'name'] as const;

const scalar = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));

const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('array')),
  object: fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 4 }),
  array: fc.array(tie('value'), { maxLength: 3 }),
})).value;

const record = fc.dictionary(fc.constantFrom(...FIELDS), data, { maxKeys: 5 });

const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string; path: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('path'),
    fc.integer({ min: -5, max: 50 }).map(String),
    fc.constantFrom('"x"', '""', 'true', 'false', 'null', '$', '0.5'),
    fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', 'and', 'or', '&'), tie('expr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    tie('expr').map((e) => `-(${e})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(${c} ? ${t} : ${e})`),
    fc.tuple(fc.constantFrom('sum', 'count', 'max', 'min', 'abs', 'lowercase', 'uppercase', 'exists', 'not'), tie('expr')).map(([f, e]) => `$${f}(${e})`),
    fc.array(fc.tuple(fc.constantFrom('k', 'v', 'w'), tie('expr')), { minLength: 1, maxLength: 2 }).map((pairs) => {
      const unique = [...new Map(pairs).entries()];
      return `{${unique.map(([k, v]) => `"${k}": ${v}`).join(', ')}}`;
    }),
  ),
  path: fc.oneof(
    fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }).map((steps) => steps.join('.')),
    fc.tuple(fc.constantFrom(...FIELDS), tie('expr')).map(([f, e]) => `${f}.(${e})`),
    fc.constantFrom(...FIELDS).map((f) => `$.${f}`),
  ),
})).expr;

describe('direct evaluation agrees with JSONata', () => {
  it('on generated expressions and records', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(expression, record, async (source, input) => {
        const evaluate = direct(source);
        if (!evaluate) return;
        const value = evaluate(input);
        const reference = await viaJsonata(source, input);
        if (value === NOT_DIRECT) return;
        answered += 1;
        expect(reference).toEqual({ value: plainJson(value) });
      }),
      { numRuns: 3000 },
    );
    // The generator must exercise the direct path, or the property proves nothing.
    expect(answered).toBeGreaterThan(1000);
  });
});
