import { describe, it, expect } from 'vitest';
import { NodeConfigError } from '../define.js';
import { asPure, build, makeRecord, thrown } from '../testing.js';
import { schemaValidator } from './schema.js';

const schema = {
  type: 'object',
  required: ['id', 'email'],
  properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
};

describe('validate.schema', () => {
  it('sends valid records to `valid` and invalid ones, unchanged, to `invalid` with every reason', async () => {
    const good = makeRecord({ id: 'a', email: 'a@example.com', age: 30 });
    const bad = makeRecord({ email: 'nope', age: -1 });
    const result = await asPure(build(schemaValidator, { schema }))([good, bad]);

    expect(result.outputs.valid).toEqual([good]);
    expect(result.outputs.invalid).toEqual([bad]);
    expect(result.outputs.invalid![0]!.data).toEqual({ email: 'nope', age: -1 });
    expect(result.failures).toEqual([]);
    expect([...result.reasons!.keys()]).toEqual([bad.id]);
    const reason = result.reasons!.get(bad.id)!;
    expect(reason.kind).toBe('invalid');
    expect(reason.failures).toEqual([
      { path: 'id', message: 'is required' },
      { path: 'email', message: 'must match format "email"' },
      { path: 'age', message: 'must be >= 0' },
    ]);
    expect(reason.message).toBe('fails the JSON Schema: id is required; email must match format "email"; age must be >= 0');
  });

  it('keeps the record identity on both ports', async () => {
    const record = makeRecord({ id: 'a', email: 'a@example.com' }, { generation: 3 });
    const result = await asPure(build(schemaValidator, { schema }))([record]);
    expect(result.outputs.valid![0]).toEqual(record);
  });

  it('an invalid JSON Schema is a config error at "schema"', () => {
    for (const bad of [{ type: 12 }, { type: 'object', properties: { a: { minimum: 'zero' } } }, { $ref: '#/$defs/missing' }]) {
      const error = thrown(() => build(schemaValidator, { schema: bad }));
      expect(error).toBeInstanceOf(NodeConfigError);
      expect(error).toMatchObject({ path: 'schema', message: expect.stringMatching(/^invalid JSON Schema: /) });
    }
  });

  it('declares `invalid` as dead-lettered when unwired', () => {
    expect(schemaValidator.outputs).toEqual([{ name: 'valid' }, { name: 'invalid', deadLetterWhenUnwired: true }]);
  });
});
