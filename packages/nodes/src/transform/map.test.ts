import { describe, it, expect } from 'vitest';
import { NodeConfigError } from '../define.js';
import { asPure, build, makeRecord, thrown } from '../testing.js';
import { mapTransform } from './map.js';

async function mapOne(config: unknown, data: unknown) {
  const result = await asPure(build(mapTransform, config))([makeRecord(data)]);
  return result;
}

async function mapped(config: unknown, data: unknown): Promise<unknown> {
  const result = await mapOne(config, data);
  expect(result.failures).toEqual([]);
  return result.outputs.out![0]!.data;
}

/** The error of the one record that failed. */
async function failure(config: unknown, data: unknown) {
  const result = await mapOne(config, data);
  expect(result.outputs.out).toEqual([]);
  expect(result.failures).toHaveLength(1);
  return result.failures[0]!.error;
}

describe('transform.map ops', () => {
  it('copy is the default op, and reads and writes dotted paths', async () => {
    const config = { mappings: [{ target: 'customer.name.first', source: 'first' }, { target: 'city', source: 'address.city' }] };
    expect(await mapped(config, { first: 'Ada', address: { city: 'London' }, other: 1 })).toEqual({ customer: { name: { first: 'Ada' } }, city: 'London' });
  });

  it('copy of a missing field writes nothing; null stays null', async () => {
    const config = { mappings: [{ target: 'a', source: 'missing' }, { target: 'b', source: 'nothing', op: 'number' }, { target: 'c', source: 'nil', op: 'trim' }] };
    expect(await mapped(config, { nil: null, nothing: undefined })).toEqual({ c: null });
  });

  it('trim, lowercase, uppercase', async () => {
    const config = {
      mappings: [
        { target: 't', source: 's', op: 'trim' },
        { target: 'l', source: 's', op: 'lowercase' },
        { target: 'u', source: 's', op: 'uppercase' },
        { target: 'n', source: 'n', op: 'trim' },
      ],
    };
    expect(await mapped(config, { s: '  MiXed Case ', n: 42 })).toEqual({ t: 'MiXed Case', l: '  mixed case ', u: '  MIXED CASE ', n: '42' });
  });

  it('number converts decimal text and keeps numbers', async () => {
    const config = { mappings: ['a', 'b', 'c', 'd', 'e'].map((k) => ({ target: k, source: k, op: 'number' })) };
    expect(await mapped(config, { a: '42', b: ' -3.5 ', c: 7.25, d: '1e3', e: '' })).toEqual({ a: 42, b: -3.5, c: 7.25, d: 1000, e: null });
  });

  it('number of "abc" fails the record, naming the target field', async () => {
    const error = await failure({ mappings: [{ target: 'order.total', source: 'total', op: 'number' }] }, { total: 'abc' });
    expect(error.kind).toBe('transform');
    expect(error.message).toBe('mapping to "order.total" failed: cannot convert "abc" to a number');
    expect(error.failures).toEqual([{ path: 'order.total', message: 'cannot convert "abc" to a number' }]);
  });

  it('number refuses hex and thousands separators', async () => {
    expect((await failure({ mappings: [{ target: 'n', source: 'n', op: 'number' }] }, { n: '0x10' })).failures![0]!.path).toBe('n');
    expect((await failure({ mappings: [{ target: 'n', source: 'n', op: 'number' }] }, { n: '1,234' })).message).toContain('to a number');
  });

  it('integer accepts whole numbers only', async () => {
    const config = { mappings: [{ target: 'a', source: 'a', op: 'integer' }, { target: 'b', source: 'b', op: 'integer' }] };
    expect(await mapped(config, { a: '42', b: 7 })).toEqual({ a: 42, b: 7 });
    const error = await failure({ mappings: [{ target: 'qty', source: 'q', op: 'integer' }] }, { q: '4.5' });
    expect(error.message).toBe('mapping to "qty" failed: cannot convert "4.5" to an integer: not a whole number');
    expect((await failure({ mappings: [{ target: 'qty', source: 'q', op: 'integer' }] }, { q: 'four' })).message).toContain('cannot convert "four" to an integer');
  });

  it('boolean reads the usual words', async () => {
    const inputs = { a: 'true', b: 'No', c: 'yes', d: '0', e: 1, f: false, g: 'off', h: '' };
    const config = { mappings: Object.keys(inputs).map((k) => ({ target: k, source: k, op: 'boolean' })) };
    expect(await mapped(config, inputs)).toEqual({ a: true, b: false, c: true, d: false, e: true, f: false, g: false, h: null });
    expect((await failure({ mappings: [{ target: 'optIn', source: 'x', op: 'boolean' }] }, { x: 'maybe' })).message).toContain('mapping to "optIn" failed: cannot convert "maybe" to a boolean');
  });

  it('date writes ISO 8601 in UTC, and an unparseable date fails the record', async () => {
    const config = { mappings: [{ target: 'a', source: 'a', op: 'date' }, { target: 'b', source: 'b', op: 'date' }, { target: 'c', source: 'c', op: 'date' }] };
    expect(await mapped(config, { a: '2024-03-05', b: '2024-03-05T10:20:30+02:00', c: 0 })).toEqual({
      a: '2024-03-05T00:00:00.000Z',
      b: '2024-03-05T08:20:30.000Z',
      c: '1970-01-01T00:00:00.000Z',
    });
    const error = await failure({ mappings: [{ target: 'when', source: 'd', op: 'date' }] }, { d: 'next tuesday-ish' });
    expect(error.message).toBe('mapping to "when" failed: cannot read "next tuesday-ish" as a date');
  });

  it('constant writes its value, whatever the input', async () => {
    const config = { mappings: [{ target: 'source', op: 'constant', value: 'webform' }, { target: 'meta.tags', op: 'constant', value: ['a', 'b'] }, { target: 'n', op: 'constant', value: null }] };
    expect(await mapped(config, {})).toEqual({ source: 'webform', meta: { tags: ['a', 'b'] }, n: null });
  });

  it('default fills a missing, null or empty source', async () => {
    const config = { mappings: ['a', 'b', 'c', 'd'].map((k) => ({ target: k, source: k, op: 'default', value: 'unknown' })) };
    expect(await mapped(config, { b: null, c: '', d: 'NL' })).toEqual({ a: 'unknown', b: 'unknown', c: 'unknown', d: 'NL' });
  });

  it('template fills placeholders from the input data', async () => {
    const config = { mappings: [{ target: 'greeting', op: 'template', template: 'Hello {{name.first}} {{ name.last }}, you have {{count}} items{{missing}}' }] };
    expect(await mapped(config, { name: { first: 'Ada', last: 'Lovelace' }, count: 3 })).toEqual({ greeting: 'Hello Ada Lovelace, you have 3 items' });
  });
});

describe('transform.map', () => {
  it('evaluates JSONata expressions against the record data', async () => {
    const config = { mappings: [{ target: 'total', expression: '$sum(items.(price * qty))' }, { target: 'skus', expression: 'items.sku' }] };
    expect(await mapped(config, { items: [{ sku: 'a', price: 2, qty: 3 }, { sku: 'b', price: 1.5, qty: 2 }] })).toEqual({ total: 9, skus: ['a', 'b'] });
  });

  it('an expression that fails at run time fails the record, naming the target', async () => {
    const error = await failure({ mappings: [{ target: 'x', expression: '$number("abc")' }] }, {});
    expect(error.failures![0]!.path).toBe('x');
    expect(error.message).toMatch(/^mapping to "x" failed: expression failed: /);
  });

  it('an expression that returns a function fails the record instead of writing it', async () => {
    const error = await failure({ mappings: [{ target: 'f', expression: 'function($x) { $x + 1 }' }] }, {});
    expect(error.failures).toEqual([{ path: 'f', message: 'the value is a function, not data' }]);
  });

  it('lists every failed mapping of a record', async () => {
    const config = { mappings: [{ target: 'a', source: 'a', op: 'number' }, { target: 'b', source: 'b', op: 'date' }, { target: 'c', source: 'c' }] };
    const error = await failure(config, { a: 'x', b: 'y', c: 1 });
    expect(error.failures!.map((f) => f.path)).toEqual(['a', 'b']);
    expect(error.message).toContain('(and 1 more)');
  });

  it('a JSONata syntax error is a config error at the mapping', () => {
    const error = thrown(() => build(mapTransform, { mappings: [{ target: 'a', source: 'a' }, { target: 'b', expression: '$sum(items.price' }] }));
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toMatchObject({ path: 'mappings.1.expression', message: expect.stringContaining('invalid JSONata expression') });
  });

  it('keepUnmapped starts from a deep copy of the input', async () => {
    const input = { id: 7, customer: { name: 'Ada', email: 'ADA@X.COM' } };
    const record = makeRecord(input);
    const config = { keepUnmapped: true, mappings: [{ target: 'customer.email', source: 'customer.email', op: 'lowercase' }, { target: 'customer.vip', op: 'constant', value: true }] };
    const result = await asPure(build(mapTransform, config))([record]);
    expect(result.outputs.out![0]!.data).toEqual({ id: 7, customer: { name: 'Ada', email: 'ada@x.com', vip: true } });
    expect(input).toEqual({ id: 7, customer: { name: 'Ada', email: 'ADA@X.COM' } });
  });

  it('never changes the input record, even when a later mapping writes inside a copied object', async () => {
    const input = { customer: { name: 'Ada' } };
    const record = makeRecord(input, { generation: 2 });
    const config = { mappings: [{ target: 'c', source: 'customer' }, { target: 'c.extra', op: 'constant', value: 1 }, { target: 'd', expression: 'customer' }, { target: 'd.more', op: 'constant', value: 2 }] };
    const result = await asPure(build(mapTransform, config))([record]);
    const out = result.outputs.out![0]!;
    expect(out.data).toEqual({ c: { name: 'Ada', extra: 1 }, d: { name: 'Ada', more: 2 } });
    expect(input).toEqual({ customer: { name: 'Ada' } });
    expect(out).not.toBe(record);
    expect(out).toMatchObject({ id: record.id, correlationId: record.correlationId, receivedAt: record.receivedAt, generation: 2 });
  });

  it('a failing record does not hold back the others', async () => {
    const records = [makeRecord({ n: '1' }), makeRecord({ n: 'x' }), makeRecord({ n: '3' })];
    const result = await asPure(build(mapTransform, { mappings: [{ target: 'n', source: 'n', op: 'number' }] }))(records);
    expect(result.outputs.out!.map((r) => r.data)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(result.failures.map((f) => f.record.id)).toEqual([records[1]!.id]);
  });

  it('rejects incomplete mappings in the config', () => {
    const issues = (config: unknown) => mapTransform.config.safeParse(config).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ mappings: [{ target: 'a', op: 'number' }] })).toEqual(['mappings.0.source: the number op needs a source field']);
    expect(issues({ mappings: [{ target: 'a', op: 'constant' }] })).toEqual(['mappings.0.value: the constant op needs a value']);
    expect(issues({ mappings: [{ target: 'a', op: 'template' }] })).toEqual(['mappings.0.template: the template op needs a template']);
    expect(issues({ mappings: [{ target: 'a', source: 'b', expression: 'c' }] })).toHaveLength(1);
    expect(issues({ mappings: [{ target: '__proto__.x', source: 'b' }] })).toHaveLength(1);
    expect(issues({ mappings: [{ target: 'a..b', source: 'b' }] })).toHaveLength(1);
  });
});
