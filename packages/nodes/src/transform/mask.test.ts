import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { asPure, build, makeContext, makeRecord } from '../testing.js';
import { maskTransform, maskValue } from './mask.js';

async function masked(fields: { path: string; strategy: string }[], data: unknown, salt = 'test-salt'): Promise<unknown> {
  const result = await asPure(build(maskTransform, { fields }, makeContext({ salt })))([makeRecord(data)]);
  expect(result.failures).toEqual([]);
  return result.outputs.out![0]!.data;
}

describe('transform.mask strategies', () => {
  it('email keeps the first character and the domain', () => {
    expect(maskValue('user@example.com', 'email')).toBe('u***@example.com');
    expect(maskValue('a@b.org', 'email')).toBe('a***@b.org');
    expect(maskValue('not-an-email', 'email')).toBe('n***');
  });

  it('phone keeps the first 5 characters and the last 3', () => {
    expect(maskValue('+1234567890', 'phone')).toBe('+1234***890');
    expect(maskValue('+441234567890', 'phone')).toBe('+4412*****890');
    // Too short to keep 5 + 3 without showing it all: only the last 2 stay, and none up to 4.
    expect(maskValue('12345678', 'phone')).toBe('******78');
    expect(maskValue('1234', 'phone')).toBe('****');
  });

  it('card stars every digit but the last 4 and keeps the separators', () => {
    expect(maskValue('1234-5678-9012-3456', 'card')).toBe('****-****-****-3456');
    expect(maskValue('1234 5678 9012 3456', 'card')).toBe('**** **** **** 3456');
    expect(maskValue('4111111111111111', 'card')).toBe('************1111');
    expect(maskValue(4111111111111111, 'card')).toBe('************1111');
    expect(maskValue('123', 'card')).toBe('***');
  });

  it('redact replaces any value', () => {
    expect(maskValue('secret', 'redact')).toBe('[REDACTED]');
    expect(maskValue({ deep: 1 }, 'redact')).toBe('[REDACTED]');
  });

  it('a value the strategy cannot read is redacted rather than left visible', () => {
    expect(maskValue({ number: '1234-5678-9012-3456' }, 'card')).toBe('[REDACTED]');
    expect(maskValue(['user@example.com'], 'email')).toBe('[REDACTED]');
  });
});

describe('transform.mask', () => {
  it('masks fields at dotted paths and leaves the rest', async () => {
    const data = {
      email: 'user@example.com',
      contact: { phone: '+1234567890' },
      payment: { card: '1234-5678-9012-3456', amount: 12 },
      notes: 'call after 5',
    };
    const fields = [
      { path: 'email', strategy: 'email' },
      { path: 'contact.phone', strategy: 'phone' },
      { path: 'payment.card', strategy: 'card' },
      { path: 'notes', strategy: 'redact' },
    ];
    expect(await masked(fields, data)).toEqual({
      email: 'u***@example.com',
      contact: { phone: '+1234***890' },
      payment: { card: '****-****-****-3456', amount: 12 },
      notes: '[REDACTED]',
    });
  });

  it('hash is the SHA-256 hex of the salt and the value', async () => {
    const expected = createHash('sha256').update('pepper' + 'customer-42').digest('hex');
    expect(await masked([{ path: 'id', strategy: 'hash' }], { id: 'customer-42' }, 'pepper')).toEqual({ id: expected });
    // Same value, same salt, same hash: masked data can still be joined on.
    expect(await masked([{ path: 'id', strategy: 'hash' }], { id: 'customer-42' }, 'pepper')).toEqual({ id: expected });
    const numeric = createHash('sha256').update('pepper42').digest('hex');
    expect(await masked([{ path: 'n', strategy: 'hash' }], { n: 42 }, 'pepper')).toEqual({ n: numeric });
  });

  it('leaves missing and null fields alone', async () => {
    const fields = [{ path: 'email', strategy: 'email' }, { path: 'a.b.c', strategy: 'redact' }, { path: 'n', strategy: 'hash' }];
    expect(await masked(fields, { name: 'x', a: { other: 1 }, n: null })).toEqual({ name: 'x', a: { other: 1 }, n: null });
  });

  it('masks the field in every element where the path crosses an array', async () => {
    const data = { contacts: [{ email: 'ann@x.com' }, { email: 'bob@y.org' }, { name: 'no email' }] };
    expect(await masked([{ path: 'contacts.email', strategy: 'email' }], data)).toEqual({
      contacts: [{ email: 'a***@x.com' }, { email: 'b***@y.org' }, { name: 'no email' }],
    });
    expect(await masked([{ path: 'contacts.1.email', strategy: 'redact' }], data)).toEqual({
      contacts: [{ email: 'ann@x.com' }, { email: '[REDACTED]' }, { name: 'no email' }],
    });
  });

  it('masks each item of a list, and redacts a list whole', async () => {
    const data = { phones: ['+1234567890', null, '+4412345678901'], cards: ['4111111111111111'] };
    expect(await masked([{ path: 'phones', strategy: 'phone' }, { path: 'cards', strategy: 'redact' }], data)).toEqual({
      phones: ['+1234***890', null, '+4412******901'],
      cards: '[REDACTED]',
    });
  });

  it('never changes the input record', async () => {
    const input = { email: 'user@example.com', nested: { card: '4111111111111111' } };
    const record = makeRecord(input);
    const result = await asPure(build(maskTransform, { fields: [{ path: 'email', strategy: 'email' }, { path: 'nested.card', strategy: 'card' }] }))([record]);
    expect(input).toEqual({ email: 'user@example.com', nested: { card: '4111111111111111' } });
    const out = result.outputs.out![0]!;
    expect(out).toMatchObject({ id: record.id, correlationId: record.correlationId, receivedAt: record.receivedAt, generation: 0 });
    expect(out.data).toEqual({ email: 'u***@example.com', nested: { card: '************1111' } });
  });

  it('rejects a field masked twice', () => {
    const parsed = maskTransform.config.safeParse({ fields: [{ path: 'a', strategy: 'email' }, { path: 'a', strategy: 'hash' }] });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['fields.1.path']);
  });
});

describe('transform.mask leaves its input alone', () => {
  it('copies only the masked path, for every strategy, through arrays and nested objects', async () => {
    const data = {
      customer: { email: 'ann@example.com', name: 'Ann' },
      contacts: [{ phone: '+1234567890' }, { phone: '+4412345678901' }, { other: 1 }],
      untouched: { deep: [1, 2, 3] },
    };
    const before = structuredClone(data);
    const out = (await masked(
      [
        { path: 'customer.email', strategy: 'email' },
        { path: 'contacts.phone', strategy: 'phone' },
        { path: 'customer.name', strategy: 'hash' },
      ],
      data,
    )) as typeof data;
    expect(data).toEqual(before);
    expect(out.customer.email).toBe('a***@example.com');
    expect(out.contacts.map((c) => c.phone)).toEqual(['+1234***890', '+4412******901', undefined]);
    expect(out.customer.name).toMatch(/^[0-9a-f]{64}$/);
    // What no field touches is shared, not copied.
    expect(out.untouched).toBe(data.untouched);
    expect(out.contacts[2]).toBe(data.contacts[2]);
  });
});
