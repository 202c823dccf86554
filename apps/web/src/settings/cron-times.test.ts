import { describe, expect, it } from 'vitest';
import { formatCronTime, nextCronTimes } from './cron-times';

describe('nextCronTimes', () => {
  it('lists the next five times in the schedule time zone', () => {
    const from = new Date('2026-03-28T12:00:00Z');
    const next = nextCronTimes('30 2 * * *', 'Europe/Paris', 5, from);
    if (!('times' in next)) throw new Error(next.error);
    // 02:30 in Paris; on 29 March 02:30 does not exist (summer time starts) and croner runs at 03:00.
    expect(next.times.map((t) => t.toISOString())).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z', '2026-04-01T00:30:00.000Z', '2026-04-02T00:30:00.000Z']);
    expect(formatCronTime(next.times[1]!, 'Europe/Paris')).toMatch(/02:30/);
  });

  it('reads a schedule without a zone in UTC, and names what is wrong with a bad one', () => {
    const next = nextCronTimes('0 * * * *', undefined, 2, new Date('2026-01-01T10:15:00Z'));
    expect('times' in next && next.times.map((t) => t.toISOString())).toEqual(['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(nextCronTimes('61 * * * *', undefined)).toHaveProperty('error');
    expect(nextCronTimes('0 2 * * *', 'Mars/Olympus')).toHaveProperty('error');
  });
});
