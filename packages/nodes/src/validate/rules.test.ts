import { describe, it, expect } from 'vitest';
import { NodeConfigError } from '../define.js';
import { asPure, build, makeRecord, thrown } from '../testing.js';
import { rulesValidator } from './rules.js';

const rules = [
  { name: 'total-matches-items', expression: '$abs(total - $sum(items.(price * qty))) <= 0.01', message: 'total does not match the items' },
  { name: 'has-email', expression: '$exists(email)', message: 'an email is required' },
  { name: 'currency-known', expression: "currency in ['EUR', 'USD']", message: 'unknown currency' },
];

describe('validate.rules', () => {
  it('passes records that keep every rule', async () => {
    const record = makeRecord({ total: 7, items: [{ price: 2, qty: 2 }, { price: 3, qty: 1 }], email: 'a@b.c', currency: 'EUR' });
    const result = await asPure(build(rulesValidator, { rules }))([record]);
    expect(result.outputs.valid).toEqual([record]);
    expect(result.outputs.invalid).toEqual([]);
    expect(result.reasons!.size).toBe(0);
  });

  it('evaluates every rule and names each broken one', async () => {
    const record = makeRecord({ total: 10, items: [{ price: 2, qty: 2 }], currency: 'EUR' });
    const result = await asPure(build(rulesValidator, { rules }))([record]);
    expect(result.outputs.valid).toEqual([]);
    expect(result.outputs.invalid).toEqual([record]);
    expect(result.reasons!.get(record.id)).toEqual({
      kind: 'invalid',
      message: 'broke 2 of 3 rules: total-matches-items, has-email',
      failures: [
        { rule: 'total-matches-items', message: 'total does not match the items' },
        { rule: 'has-email', message: 'an email is required' },
      ],
    });
  });

  it('a rule that returns something other than true is broken', async () => {
    const result = await asPure(build(rulesValidator, { rules: [{ name: 'truthy-is-not-true', expression: '"yes"', message: 'must be true' }] }))([makeRecord({})]);
    expect(result.outputs.invalid).toHaveLength(1);
  });

  it('a rule that throws is broken, and says it was an evaluation error', async () => {
    const record = makeRecord({ total: 'ten' });
    const result = await asPure(build(rulesValidator, { rules: [{ name: 'positive', expression: 'total > 0', message: 'total must be positive' }] }))([record]);
    const failure = result.reasons!.get(record.id)!.failures![0]!;
    expect(failure.rule).toBe('positive');
    expect(failure.message).toMatch(/^total must be positive \(evaluation error: .+\)$/);
    expect(result.failures).toEqual([]);
  });

  it('a JSONata syntax error is a config error naming the rule expression', () => {
    const error = thrown(() => build(rulesValidator, { rules: [rules[0], { name: 'broken', expression: 'total >', message: 'x' }] }));
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toMatchObject({ path: 'rules.1.expression', message: expect.stringContaining('invalid JSONata expression') });
  });

  it('rule names must be unique', () => {
    const parsed = rulesValidator.config.safeParse({ rules: [rules[0], { ...rules[1], name: 'total-matches-items' }] });
    expect(parsed.error?.issues).toMatchObject([{ path: ['rules', 1, 'name'], message: 'rule name "total-matches-items" is used twice' }]);
  });
});
