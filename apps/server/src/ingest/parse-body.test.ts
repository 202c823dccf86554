import { describe, expect, it } from 'vitest';
import { AppError } from '@sluice/shared';
import { MAX_DEPTH, parseIngestBody } from './parse-body.js';

/** A record `{"a":{"a":…{"a":1}}}` nesting `levels` objects. */
const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '{"a":1' + '}'.repeat(levels);
const refusal = (body: string, type = 'application/json') => {
  try {
    parseIngestBody(Buffer.from(body), type);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return { status: (err as AppError).status, message: (err as AppError).message, path: ((err as AppError).details as { path?: string } | undefined)?.path };
  }
  throw new Error('the body was accepted');
};

describe('parseIngestBody: nesting', () => {
  it(`accepts a body nesting ${MAX_DEPTH} levels, its own array counted, and refuses one level more, naming where`, () => {
    expect(parseIngestBody(Buffer.from(`[{"n":1},${nested(MAX_DEPTH - 1)}]`), 'application/json')).toHaveLength(2);
    const tooDeep = refusal(`[{"n":1},${nested(MAX_DEPTH)}]`);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.path).toBe(`[1]${'.a'.repeat(MAX_DEPTH - 1)}`);
    expect(tooDeep.message).toMatch(/^\[1\](\.a)+: nests deeper than 64 levels, counting the body's array; records may nest at most 64 levels$/);
  });

  it('counts a single object and each NDJSON line from the record itself', () => {
    expect(parseIngestBody(Buffer.from(nested(MAX_DEPTH)), 'application/json')).toHaveLength(1);
    expect(refusal(nested(MAX_DEPTH + 1)).message).toMatch(/^a(\.a)+: nests deeper than 64 levels; records/);
    expect(parseIngestBody(Buffer.from(`{"n":1}\n${nested(MAX_DEPTH)}\n`), 'application/x-ndjson')).toHaveLength(2);
    expect(refusal(`{"n":1}\n${nested(MAX_DEPTH + 1)}\n`, 'application/x-ndjson').message).toMatch(/^line 2 at a(\.a)+: nests deeper than 64 levels/);
  });

  it('refuses arrays nested a hundred thousand deep with a 400, not a stack overflow', () => {
    const deep = refusal(`[{"k":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`);
    expect(deep.status).toBe(400);
    expect(deep.path).toMatch(/^\[0\]\.k(\[0\])+$/);
  });
});
