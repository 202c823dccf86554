import { describe, expect, it } from 'vitest';
import type { EngineRecord } from '@sluice/shared';
import { GroupCommitter, type CommitRequest } from './group-commit.js';
import type { ChunkWriter } from '../storage/sql/index.js';

/** A pool whose statements take `ms` each; it records how many ran at once and how many records each carried. */
function slowPool(ms: number) {
  let running = 0;
  const seen = { maxAtOnce: 0, statements: 0, recordsPerStatement: [] as number[] };
  const pool: ChunkWriter = {
    query: async ({ values }) => {
      running += 1;
      seen.maxAtOnce = Math.max(seen.maxAtOnce, running);
      seen.statements += 1;
      // insertChunks' eighth parameter ($8): the record count of each chunk.
      seen.recordsPerStatement.push((values[7] as number[]).reduce((a, b) => a + b, 0));
      await new Promise((r) => setTimeout(r, ms));
      running -= 1;
      return { rows: [{ n: (values[0] as unknown[]).length }] };
    },
  };
  return { pool, seen };
}

function request(records: number, at = 0): CommitRequest {
  const made: EngineRecord[] = Array.from({ length: records }, (_, i) => ({ id: `r${at}-${i}`, correlationId: 'c', receivedAt: '2026-11-26T00:00:00.000Z', data: { i } }));
  return { flowId: '00000000-0000-4000-8000-000000000001', version: 1, nodeId: 'in', chunkSize: 500, parallelism: 4, records: made };
}

describe('GroupCommitter', () => {
  it('commits small requests one commit at a time, each commit taking all that waited', async () => {
    const { pool, seen } = slowPool(20);
    const committer = new GroupCommitter(pool);
    await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise((r) => setTimeout(r, i)).then(() => committer.commit(request(1, i)))));
    expect(seen.maxAtOnce).toBe(1);
    expect(seen.recordsPerStatement.reduce((a, b) => a + b, 0)).toBe(200);
    // ~200 ms of arrivals, 20 ms per commit: about ten commits, not two hundred.
    expect(seen.statements).toBeLessThan(30);
  });
});
