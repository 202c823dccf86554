// completeChunk against the real schema: the completion mark (the chunk row's removal) and the dead
// letters are one atomic step, a repeat writes nothing, and concurrent completions write once.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/storage/migrate.js';
import { completeChunk, DEAD_LETTER_SAMPLE, type NewChunk, type NewDeadLetter } from '../src/storage/sql/index.js';
import { createTestDatabase, testPool } from './harness.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
const flowId = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase('sluice_complete');
  pool = testPool(db.url, 6);
  await applyMigrations(pool);
  await pool.query(`INSERT INTO flows (id, name, graph, settings, salt) VALUES ($1, 'f', '{}', '{}', 's')`, [flowId]);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function newChunk(): Promise<{ id: number; flowId: string; version: number }> {
  const { rows } = await pool.query(
    `INSERT INTO chunks (flow_id, version, node_id, record_count, records) VALUES ($1, 1, 'in', 0, '[]') RETURNING id`,
    [flowId],
  );
  return { id: Number(rows[0].id), flowId, version: 1 };
}

function deadLetter(nodeId = 'rules'): NewDeadLetter {
  return {
    nodeId,
    recordId: randomUUID(),
    correlationId: 'corr',
    receivedAt: '2026-11-26T10:00:00.000Z',
    generation: 0,
    record: { total: 1 },
    error: { kind: 'invalid', message: 'total must equal the sum of price × qty' },
    attempts: 1,
  };
}

const chunkExists = async (id: number) => (await pool.query('SELECT 1 FROM chunks WHERE id = $1', [id])).rowCount === 1;
const deadLettersOf = async (recordIds: string[]) =>
  (await pool.query('SELECT record_id, node_id, version, record, error, attempts FROM dead_letters WHERE record_id = ANY($1::uuid[]) ORDER BY id', [recordIds])).rows;

describe('completeChunk', () => {
  it('removes the chunk and writes its dead letters in one step, returning how many it wrote and the first few', async () => {
    const chunk = await newChunk();
    const letters = [deadLetter(), deadLetter('pg')];
    const completion = await completeChunk(pool, chunk, letters, []);

    expect(completion.completed).toBe(true);
    expect(completion.deadLettered).toBe(2);
    expect(completion.deadLetterSample.map((d) => [d.nodeId, d.recordId, d.error])).toEqual(letters.map((d) => [d.nodeId, d.recordId, d.error]));
    expect(completion.deadLetterSample.every((d) => Number.isInteger(d.id) && d.id > 0)).toBe(true);
    expect(await chunkExists(chunk.id)).toBe(false);
    expect(await deadLettersOf(letters.map((d) => d.recordId))).toEqual(
      letters.map((d) => ({ record_id: d.recordId, node_id: d.nodeId, version: 1, record: d.record, error: d.error, attempts: 1 })),
    );
  });

  it(`returns at most ${DEAD_LETTER_SAMPLE} of the dead letters it wrote, alone, taking chunks along, or with retries`, async () => {
    const many = () => Array.from({ length: DEAD_LETTER_SAMPLE + 3 }, () => deadLetter());
    const retry = (id: number): NewChunk => ({ flowId, version: 1, nodeId: 'pg', attempt: 1, recordsJson: '[]', recordCount: 0, retryKey: `${id}:pg:1`, runAt: null, queue: 'q' });
    const alone = await newChunk();
    const lead = await newChunk();
    const taken = await newChunk();
    const withRetry = await newChunk();
    for (const [chunk, retries] of [[alone, []], [{ ...lead, taken: [taken.id] }, []], [withRetry, [retry(withRetry.id)]]] as const) {
      const letters = many();
      const completion = await completeChunk(pool, chunk, letters, [...retries]);
      expect(completion.completed).toBe(true);
      expect(completion.deadLettered).toBe(letters.length);
      expect(completion.deadLetterSample).toHaveLength(DEAD_LETTER_SAMPLE);
      const written = new Set(letters.map((d) => d.recordId));
      expect(completion.deadLetterSample.every((d) => written.has(d.recordId))).toBe(true);
      expect(await deadLettersOf([...written])).toHaveLength(letters.length);
    }
  });

  it('a repeat (the chunk already completed) writes nothing and says so', async () => {
    const chunk = await newChunk();
    const first = [deadLetter()];
    expect((await completeChunk(pool, chunk, first, [])).completed).toBe(true);
    const second = [deadLetter()];
    expect(await completeChunk(pool, chunk, second, [])).toEqual({ completed: false, retry: false, deadLettered: 0, deadLetterSample: [] });
    expect(await deadLettersOf(second.map((d) => d.recordId))).toEqual([]);
    // Without dead letters too.
    expect(await completeChunk(pool, chunk, [], [])).toEqual({ completed: false, retry: false, deadLettered: 0, deadLetterSample: [] });
  });

  it('a dead letter already written (same record, node and generation) is not written again, and the chunk still completes', async () => {
    const earlier = await newChunk();
    const letter = deadLetter();
    await completeChunk(pool, earlier, [letter], []);
    const chunk = await newChunk();
    const other = deadLetter();
    const completion = await completeChunk(pool, chunk, [letter, other], []);
    expect(completion.completed).toBe(true);
    expect(completion.deadLettered).toBe(1);
    expect(completion.deadLetterSample.map((d) => d.recordId)).toEqual([other.recordId]);
    expect(await chunkExists(chunk.id)).toBe(false);
    expect(await deadLettersOf([letter.recordId])).toHaveLength(1);
  });

  it('a chunk whose only dead letters were written before completes with none returned', async () => {
    const earlier = await newChunk();
    const letter = deadLetter();
    await completeChunk(pool, earlier, [letter], []);
    const chunk = await newChunk();
    expect(await completeChunk(pool, chunk, [letter], [])).toEqual({ completed: true, retry: false, deadLettered: 0, deadLetterSample: [] });
    expect(await chunkExists(chunk.id)).toBe(false);
  });

  it('of concurrent completions of one chunk, exactly one completes and writes its dead letters', async () => {
    const chunk = await newChunk();
    const attempts = Array.from({ length: 5 }, () => [deadLetter()]);
    const completions = await Promise.all(attempts.map((letters) => completeChunk(pool, chunk, letters, [])));
    expect(completions.filter((c) => c.completed)).toHaveLength(1);
    const written = await deadLettersOf(attempts.flat().map((d) => d.recordId));
    expect(written).toHaveLength(1);
    const winner = completions.findIndex((c) => c.completed);
    expect(written[0]!.record_id).toBe(attempts[winner]![0]!.recordId);
  });

  it('a failure writes nothing and leaves the chunk to be run again', async () => {
    const chunk = await newChunk();
    const bad = { ...deadLetter(), recordId: 'not a uuid' };
    await expect(completeChunk(pool, chunk, [deadLetter(), bad], [])).rejects.toThrow();
    expect(await chunkExists(chunk.id)).toBe(true);
  });
});
