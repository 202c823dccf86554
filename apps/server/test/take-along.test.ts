// A chunk job takes along the chunks waiting behind it in its lane (loadChunks), and its completion
// removes them and their jobs (completeChunk), against the real schema and graphile-worker's.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/storage/migrate.js';
import { completeChunk, insertChunks, loadChunks, type NewChunk } from '../src/storage/sql/index.js';
import { createTestDatabase, testPool } from './harness.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
const CHUNK_SIZE = 10;

beforeAll(async () => {
  db = await createTestDatabase('sluice_take_along');
  pool = testPool(db.url, 4);
  await applyMigrations(pool);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** A flow with versions 1 and 2 (chunkSize 10), and its lane 0. */
async function newFlow(): Promise<{ flowId: string; lane: string }> {
  const flowId = randomUUID();
  await pool.query(`INSERT INTO flows (id, name, graph, settings, salt) VALUES ($1, 'f', '{}', '{}', 's')`, [flowId]);
  for (const version of [1, 2]) {
    await pool.query(`INSERT INTO flow_versions (flow_id, version, graph, settings) VALUES ($1, $2, '{}', $3)`, [flowId, version, { chunkSize: CHUNK_SIZE }]);
  }
  return { flowId, lane: `flow:${flowId}:0` };
}

/** Writes one chunk of `count` records into the lane and returns its id. */
async function chunk(flow: { flowId: string; lane: string }, count: number, overrides: Partial<NewChunk> = {}): Promise<number> {
  const records = Array.from({ length: count }, () => ({ id: randomUUID(), correlationId: 'c', receivedAt: new Date().toISOString(), data: {} }));
  await insertChunks(pool, [
    { flowId: flow.flowId, version: 1, nodeId: 'in', attempt: 0, recordsJson: JSON.stringify(records), recordCount: count, retryKey: null, runAt: null, queue: flow.lane, ...overrides },
  ]);
  const { rows } = await pool.query('SELECT max(id)::int AS id FROM chunks WHERE flow_id = $1', [flow.flowId]);
  return rows[0].id as number;
}

/** The keys of the lane's jobs, in the order they were added (graphile-worker's public view). */
const laneJobKeys = async (lane: string) =>
  (await pool.query<{ key: string | null }>('SELECT key FROM graphile_worker.jobs WHERE queue_name = $1 ORDER BY id', [lane])).rows.map((r) => r.key);
const chunksLeft = async (ids: number[]) => (await pool.query<{ id: number }>('SELECT id::int FROM chunks WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).rows.map((r) => r.id);

describe('taking along the chunks waiting in a lane', () => {
  it('takes fresh chunks of the same version and source, in order, while they fit in the chunk size', async () => {
    const flow = await newFlow();
    const own = await chunk(flow, 3);
    const a = await chunk(flow, 4);
    const other = await newFlow();
    await chunk(other, 1); // another flow's lane
    await chunk(flow, 1, { version: 2 }); // another version
    await chunk(flow, 1, { nodeId: 'elsewhere' }); // another node
    await chunk(flow, 1, { attempt: 1, retryKey: `r${randomUUID()}` }); // a retry
    await chunk(flow, 1, { continuation: true }); // a continuation
    await chunk(flow, 1, { runAt: new Date(Date.now() + 60_000).toISOString() }); // not due yet
    const b = await chunk(flow, 2);
    const tooMany = await chunk(flow, 2); // 3 + 4 + 2 + 2 > 10
    await chunk(flow, 1); // fits, but comes after one that did not

    const loaded = await loadChunks(pool, own);
    expect(loaded.map((c) => c.id)).toEqual([own, a, b]);
    expect(loaded.map((c) => (JSON.parse(c.records) as unknown[]).length)).toEqual([3, 4, 2]);
    expect(loaded.every((c) => c.flowId === flow.flowId && c.version === 1 && c.nodeId === 'in' && c.attempt === 0)).toBe(true);
    expect(await chunksLeft([tooMany])).toEqual([tooMany]);
  });

  it('a full chunk takes nothing along, and every chunk\'s job is keyed by its chunk', async () => {
    const flow = await newFlow();
    const full = await chunk(flow, CHUNK_SIZE);
    const small = await chunk(flow, 1);
    expect((await loadChunks(pool, full)).map((c) => c.id)).toEqual([full]);
    const retry = await chunk(flow, 1, { attempt: 2, retryKey: `r${randomUUID()}` });
    const continuation = await chunk(flow, 1, { continuation: true });
    expect(await laneJobKeys(flow.lane)).toEqual([`chunk:${full}`, `chunk:${small}`, `chunk:${retry}`, `chunk:${continuation}`]);
  });

  it('a retry takes nothing along', async () => {
    const flow = await newFlow();
    const retry = await chunk(flow, 1, { attempt: 1, retryKey: `r${randomUUID()}` });
    await chunk(flow, 1);
    expect((await loadChunks(pool, retry)).map((c) => c.id)).toEqual([retry]);
  });

  it('a completed chunk loads nothing', async () => {
    const flow = await newFlow();
    const own = await chunk(flow, 1);
    await chunk(flow, 1);
    expect((await completeChunk(pool, { id: own, flowId: flow.flowId, version: 1 }, [], [])).completed).toBe(true);
    expect(await loadChunks(pool, own)).toEqual([]);
  });

  it('completion removes the chunks taken along and their jobs, with its own', async () => {
    const flow = await newFlow();
    const own = await chunk(flow, 1);
    const a = await chunk(flow, 1);
    const b = await chunk(flow, 1);
    const left = await chunk(flow, 1);
    expect(await laneJobKeys(flow.lane)).toEqual([`chunk:${own}`, `chunk:${a}`, `chunk:${b}`, `chunk:${left}`]);

    const completion = await completeChunk(pool, { id: own, flowId: flow.flowId, version: 1, taken: [a, b] }, [], []);
    expect(completion).toEqual({ completed: true, retry: false, deadLettered: 0, deadLetterSample: [] });
    expect(await chunksLeft([own, a, b, left])).toEqual([left]);
    // The job's own job is graphile-worker's to complete; the others are gone, the untaken one stays.
    expect(await laneJobKeys(flow.lane)).toEqual([`chunk:${own}`, `chunk:${left}`]);
  });

  it('when a chunk taken along was completed elsewhere meanwhile, nothing is removed and the job is told to run again', async () => {
    const flow = await newFlow();
    const own = await chunk(flow, 1);
    const a = await chunk(flow, 1);
    const b = await chunk(flow, 1);
    expect((await completeChunk(pool, { id: b, flowId: flow.flowId, version: 1 }, [], [])).completed).toBe(true);

    expect(await completeChunk(pool, { id: own, flowId: flow.flowId, version: 1, taken: [a, b] }, [], [])).toEqual({ completed: false, retry: true, deadLettered: 0, deadLetterSample: [] });
    expect(await chunksLeft([own, a, b])).toEqual([own, a]);
    // b's own job stays (graphile-worker completes it when it runs); a's is not removed.
    expect(await laneJobKeys(flow.lane)).toEqual([`chunk:${own}`, `chunk:${a}`, `chunk:${b}`]);
    // Run again, it takes what is there now.
    expect((await loadChunks(pool, own)).map((c) => c.id)).toEqual([own, a]);
    // And when its own chunk is gone too, it is a replay: nothing to run again.
    expect((await completeChunk(pool, { id: own, flowId: flow.flowId, version: 1, taken: [a] }, [], [])).completed).toBe(true);
    expect(await completeChunk(pool, { id: own, flowId: flow.flowId, version: 1, taken: [a] }, [], [])).toEqual({ completed: false, retry: false, deadLettered: 0, deadLetterSample: [] });
  });
});
