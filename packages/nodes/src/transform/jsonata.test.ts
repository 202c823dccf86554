import { describe, it, expect } from 'vitest';
import { NodeConfigError } from '../define.js';
import { asPure, build, makeRecord, thrown } from '../testing.js';
import { jsonataTransform } from './jsonata.js';

describe('transform.jsonata', () => {
  it("replaces each record's data with the expression's result, keeping its identity", async () => {
    const record = makeRecord({ id: 'o-1', items: [{ price: 2, qty: 3 }, { price: 1.5, qty: 2 }] }, { generation: 1 });
    const result = await asPure(build(jsonataTransform, { expression: '{ "order_id": id, "total": $sum(items.(price * qty)) }' }))([record]);
    expect(result.failures).toEqual([]);
    expect(result.outputs.out).toEqual([{ ...record, data: { order_id: 'o-1', total: 9 } }]);
    expect(record.data).toEqual({ id: 'o-1', items: [{ price: 2, qty: 3 }, { price: 1.5, qty: 2 }] });
  });

  it('a record whose evaluation fails becomes a failure, the others go on', async () => {
    const good = makeRecord({ n: 2 });
    const bad = makeRecord({ n: 'two' });
    const result = await asPure(build(jsonataTransform, { expression: '{ "double": n * 2 }' }))([good, bad]);
    expect(result.outputs.out!.map((r) => r.data)).toEqual([{ double: 4 }]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.record).toBe(bad);
    expect(result.failures[0]!.error).toMatchObject({ kind: 'transform', message: expect.stringMatching(/^expression failed: /) });
  });

  it('a JSONata syntax error is a config error at "expression"', () => {
    const error = thrown(() => build(jsonataTransform, { expression: '{ "a": ' }));
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toMatchObject({ path: 'expression', message: expect.stringContaining('invalid JSONata expression') });
  });

  it('a result of nothing is a failure, and results are plain JSON (no JSONata sequence marks)', async () => {
    const result = await asPure(build(jsonataTransform, { expression: 'items.sku' }))([makeRecord({ items: [{ sku: 'a' }, { sku: 'b' }] }), makeRecord({ other: 1 })]);
    expect(result.outputs.out).toHaveLength(1);
    const data = result.outputs.out![0]!.data;
    expect(data).toEqual(['a', 'b']);
    expect(Object.keys(data as object)).toEqual(['0', '1']);
    expect(result.failures[0]!.error.message).toBe('the expression produced nothing for this record');
  });
});
