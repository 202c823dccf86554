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

describe('source.webhook auth', () => {
  const parse = (auth: unknown) => webhookSource.config.safeParse({ auth });

  it('defaults to API keys and hands the auth to the server through the runtime', () => {
    expect(webhookSource.config.parse({})).toEqual({ auth: { type: 'apiKey' } });
    const runtime = build(webhookSource, { auth: { type: 'hmac', secret: 'a-shared-secret-of-32-characters' } });
    expect(runtime.kind === 'source' && runtime.auth).toEqual({ type: 'hmac', secret: 'a-shared-secret-of-32-characters', header: 'x-signature', timestampHeader: 'x-timestamp', algorithm: 'sha256' });
  });

  it('refuses short HMAC secrets, JWT configs without exactly one key source, and malformed subjects', () => {
    expect(parse({ type: 'hmac', secret: 'short' }).error?.issues[0]?.path).toEqual(['auth', 'secret']);
    expect(parse({ type: 'jwt', issuer: 'i', audience: 'a' }).error?.issues[0]?.path).toEqual(['auth', 'jwksUrl']);
    expect(parse({ type: 'jwt', issuer: 'i', audience: 'a', jwksUrl: 'https://idp/jwks', publicKey: '-----BEGIN PUBLIC KEY-----' }).success).toBe(false);
    expect(parse({ type: 'jwt', issuer: 'i', audience: 'a', publicKey: 'not pem' }).error?.issues[0]?.path).toEqual(['auth', 'publicKey']);
    expect(parse({ type: 'mtls', subject: 'orders-producer' }).success).toBe(false);
    expect(parse({ type: 'mtls', subject: 'CN=orders-producer, O=Acme' }).success).toBe(true);
    expect(parse({ type: 'password' }).success).toBe(false);
  });
});
