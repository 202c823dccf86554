import { describe, it, expect } from 'vitest';
import { NodeConfigError } from '../define.js';
import { asPure, build, makeRecord, thrown } from '../testing.js';
import { filterRoute, isTruthy } from './filter.js';

describe('route.filter', () => {
  it('sends records to `match` when the condition holds, else to `else`', async () => {
    const big = makeRecord({ total: 1500 });
    const small = makeRecord({ total: 20 });
    const none = makeRecord({});
    const result = await asPure(build(filterRoute, { expression: 'total >= 1000' }))([big, small, none]);
    expect(result.outputs.match).toEqual([big]);
    expect(result.outputs.else).toEqual([small, none]);
    expect(result.failures).toEqual([]);
  });

  it('uses JSONata truthiness: an empty selection does not match', async () => {
    const withExpensive = makeRecord({ items: [{ price: 50 }, { price: 150 }] });
    const withoutExpensive = makeRecord({ items: [{ price: 50 }] });
    const result = await asPure(build(filterRoute, { expression: 'items[price > 100]' }))([withExpensive, withoutExpensive]);
    expect(result.outputs.match).toEqual([withExpensive]);
    expect(result.outputs.else).toEqual([withoutExpensive]);
  });

  it('truthiness follows $boolean', () => {
    expect([true, 1, 'x', [0, 1], { a: 1 }].map(isTruthy)).toEqual([true, true, true, true, true]);
    expect([false, 0, '', [], [0, ''], {}, null, undefined].map(isTruthy)).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('a condition that fails at run time fails the record', async () => {
    const record = makeRecord({ total: 'many' });
    const result = await asPure(build(filterRoute, { expression: 'total > 5' }))([record]);
    expect(result.outputs.match).toEqual([]);
    expect(result.outputs.else).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.record).toBe(record);
    expect(result.failures[0]!.error.message).toMatch(/^filter expression failed: /);
  });

  it('a JSONata syntax error is a config error at "expression"', () => {
    const error = thrown(() => build(filterRoute, { expression: 'total >=' }));
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toMatchObject({ path: 'expression', message: expect.stringContaining('invalid JSONata expression') });
  });

  it('drops records on unwired ports', () => {
    expect(filterRoute.outputs).toEqual([{ name: 'match' }, { name: 'else' }]);
  });
});
