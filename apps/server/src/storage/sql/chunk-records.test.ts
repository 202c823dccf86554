import { describe, expect, it } from 'vitest';
import type { EngineRecord } from '@sluice/shared';
import { chunkRecordsFrom, chunkRecordsJson } from './chunk-records.js';

const record = (id: string, correlationId: string, receivedAt: string, data: unknown, generation?: number): EngineRecord =>
  generation === undefined ? { id, correlationId, receivedAt, data } : { id, correlationId, receivedAt, data, generation };

describe('chunk records as stored', () => {
  it('writes a correlation id and receive time only where they change, and reads every record back whole', () => {
    const records = [
      record('r1', 'c1', '2026-11-26T10:00:00.000Z', { n: 1 }),
      record('r2', 'c1', '2026-11-26T10:00:00.000Z', { n: 2, nested: { a: [1, 'x'] } }),
      record('r3', 'c2', '2026-11-26T10:00:00.000Z', 'text'),
      record('r4', 'c2', '2026-11-26T10:00:01.000Z', null, 2),
      record('r5', 'c1', '2026-11-26T10:00:01.000Z', { '"quoted"': '\u2028 and \\' }),
    ];
    const text = chunkRecordsJson(records);
    const stored = JSON.parse(text) as Record<string, unknown>[];
    expect(stored.map((r) => Object.keys(r))).toEqual([
      ['id', 'correlationId', 'receivedAt', 'data'],
      ['id', 'data'],
      ['id', 'correlationId', 'data'],
      ['id', 'receivedAt', 'generation', 'data'],
      ['id', 'correlationId', 'data'],
    ]);
    expect(chunkRecordsFrom(stored)).toEqual(records);
  });

  it('reads chunks written with every field on every record (before this format)', () => {
    const records = [record('r1', 'c1', 't1', { n: 1 }), record('r2', 'c1', 't1', { n: 2 }, 1)];
    expect(chunkRecordsFrom(JSON.parse(JSON.stringify(records)))).toEqual(records);
  });

  it('stores undefined data as null and an empty chunk as []', () => {
    expect(chunkRecordsFrom(JSON.parse(chunkRecordsJson([record('r1', 'c1', 't1', undefined)])))).toEqual([record('r1', 'c1', 't1', null)]);
    expect(chunkRecordsJson([])).toBe('[]');
  });

  it('refuses a stored value of the wrong shape, naming the record at fault', () => {
    expect(() => chunkRecordsFrom({ id: 'r1' })).toThrow("a chunk's records are object, not an array");
    expect(() => chunkRecordsFrom([{ id: 'r1', correlationId: 'c1', receivedAt: 't1' }, 7])).toThrow('record [1] of the chunk is not an object');
    expect(() => chunkRecordsFrom([{ correlationId: 'c1', receivedAt: 't1', data: {} }])).toThrow('record [0] of the chunk has no id');
    expect(() => chunkRecordsFrom([{ id: 'r1', receivedAt: 't1', data: {} }])).toThrow('record [0] of the chunk has no correlationId');
    expect(() => chunkRecordsFrom([{ id: 'r1', correlationId: 'c1', data: {} }])).toThrow('record [0] of the chunk has no receivedAt');
    expect(() => chunkRecordsFrom([{ id: 'r1', correlationId: 'c1', receivedAt: 't1', generation: 1.5 }])).toThrow('record [0] of the chunk has a generation that is not a whole number');
  });
});
