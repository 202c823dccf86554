import { describe, expect, it } from 'vitest';
import { bodyExcerpt, firstFailure, isActionable, prettyRecord } from './dead-letter-view';

describe('dead letter view rules', () => {
  it('lets only pending dead letters be acted on', () => {
    expect(isActionable({ status: 'pending' })).toBe(true);
    expect(isActionable({ status: 'retried' })).toBe(false);
    expect(isActionable({ status: 'discarded' })).toBe(false);
  });

  it('pretty-prints records and JSON response bodies, and cuts long bodies', () => {
    expect(prettyRecord({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(bodyExcerpt('{"error":"nope"}')).toEqual({ text: '{\n  "error": "nope"\n}', cut: false });
    expect(bodyExcerpt('<html>bad gateway</html>')).toEqual({ text: '<html>bad gateway</html>', cut: false });
    expect(bodyExcerpt('x'.repeat(3000))).toEqual({ text: 'x'.repeat(2048), cut: true });
  });

  it('gives the first reason a validator gave', () => {
    expect(firstFailure({ kind: 'permanent', message: 'HTTP 422' })).toBeNull();
    expect(firstFailure({ kind: 'invalid', message: 'broke 2 rules', failures: [{ rule: 'a', message: 'total must match' }, { message: 'email missing' }] })).toBe('total must match (+1 more)');
  });
});
