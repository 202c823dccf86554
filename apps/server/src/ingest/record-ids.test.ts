import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newRecordId } from './record-ids.js';

describe('newRecordId', () => {
  it('makes valid, distinct UUIDv7s that increase in the order they were made', () => {
    const ids = Array.from({ length: 100_000 }, () => newRecordId());
    for (const id of [ids[0]!, ids[255]!, ids[256]!, ids[99_999]!]) {
      expect(validate(id), id).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) if (!(ids[i]! > ids[i - 1]!)) throw new Error(`id ${i} (${ids[i]}) is not after ${ids[i - 1]}`);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now();
    const id = newRecordId();
    const ms = parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    // Ids made in one millisecond may borrow the next ones, never more than a few.
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 5);
  });
});
