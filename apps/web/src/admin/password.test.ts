import { describe, expect, it } from 'vitest';
import { checkPassword, generatePassword } from './password';

describe('passwords', () => {
  it('checks the length with the API schema', () => {
    expect(checkPassword('eleven char')).toBe('a password needs at least 12 characters');
    expect(checkPassword('twelve chars')).toBeNull();
  });

  it('generates passwords the server accepts, different each time', () => {
    const a = generatePassword();
    expect(a).toHaveLength(20);
    expect(checkPassword(a)).toBeNull();
    expect(generatePassword()).not.toBe(a);
    expect(generatePassword(40)).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{40}$/);
  });
});
