import { describe, expect, it } from 'vitest';
import { compileExpression } from './jsonata.js';

describe('compileExpression guardrails', () => {
  it('evaluates ordinary expressions, concurrently called, each with its own input', async () => {
    const expr = compileExpression('$sum(items.(price * qty))', 'expression');
    const results = await Promise.all([1, 2, 3].map((n) => expr.evaluate({ items: [{ price: n, qty: 2 }] })));
    expect(results).toEqual([2, 4, 6]);
  });

  it('stops runaway recursion at the depth limit, and the next evaluation still works', async () => {
    const expr = compileExpression('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(n))', 'expression', { timeoutMs: 5000, maxDepth: 200 });
    await expect(expr.evaluate({ n: 100_000 })).rejects.toThrow(/nests deeper than 200 levels/);
    await expect(expr.evaluate({ n: 3 })).resolves.toBe(3);
  });

  it('stops a runaway loop at the time limit', async () => {
    const expr = compileExpression('$count([1..5000000].($ * 2))', 'expression', { timeoutMs: 50, maxDepth: 500 });
    const started = Date.now();
    await expect(expr.evaluate({})).rejects.toThrow(/ran longer than 50 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
