import { describe, it, expect } from 'vitest';
import { NodeConfigError, type NodeRuntime } from '../define.js';
import { build, thrown } from '../testing.js';
import { webhookSource } from './webhook.js';

function check(runtime: NodeRuntime, data: unknown[]) {
  if (runtime.kind !== 'source') throw new Error('expected a source runtime');
  return runtime.check(data);
}

describe('source.webhook', () => {
  it('accepts anything when no schema is given', () => {
    expect(check(build(webhookSource, {}), [1, 'x', null, { a: 1 }])).toEqual([]);
  });

  it('reports each failing record by index with a dotted path', () => {
    const runtime = build(webhookSource, {
      schema: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string' },
          email: { type: 'string', format: 'email' },
          items: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } } },
        },
      },
    });
    const problems = check(runtime, [
      { id: 'a', email: 'a@example.com', items: [{ qty: 1 }] },
      { email: 'not-an-email' },
      { id: 'c', items: [{ qty: 2 }, { qty: 0 }] },
    ]);
    expect(problems).toEqual([
      { index: 1, path: 'id', message: 'is required' },
      { index: 1, path: 'email', message: 'must match format "email"' },
      { index: 2, path: 'items.1.qty', message: 'must be >= 1' },
    ]);
  });

  it('reports an unexpected property at its own path', () => {
    const runtime = build(webhookSource, { schema: { type: 'object', properties: { a: { type: 'object', additionalProperties: false } } } });
    expect(check(runtime, [{ a: { extra: 1 } }])).toEqual([{ index: 0, path: 'a.extra', message: 'is not allowed' }]);
  });

  it('turns an invalid schema into a config error at "schema"', () => {
    const error = thrown(() => build(webhookSource, { schema: { type: 'strng' } }));
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toMatchObject({ path: 'schema', message: expect.stringContaining('invalid JSON Schema') });
  });

  it('has one output and no inputs', () => {
    expect(webhookSource.inputs).toEqual([]);
    expect(webhookSource.outputs.map((p) => p.name)).toEqual(['out']);
  });
});
