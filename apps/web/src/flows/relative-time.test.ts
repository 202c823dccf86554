import { describe, expect, it } from 'vitest';
import { formatRelativeTime } from './relative-time';

describe('formatRelativeTime', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('reads like a person would say it', () => {
    expect(formatRelativeTime('2026-05-01T11:59:50Z', now)).toBe('just now');
    expect(formatRelativeTime('2026-05-01T11:57:00Z', now)).toBe('3 min. ago');
    expect(formatRelativeTime('2026-05-01T09:00:00Z', now)).toBe('3 hr. ago');
    expect(formatRelativeTime('2026-04-30T12:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime('not a date', now)).toBe('—');
  });
});
