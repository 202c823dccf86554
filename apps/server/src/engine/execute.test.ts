import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRecord, Graph } from '@sluice/shared';
import type { SqlClient } from '@sluice/nodes';
import { compileGraph, type Plan } from '../compiler/compile.js';
import { validationContextFactory } from './connections.js';
import { executeChunk } from './execute.js';
import { createTestDatabase, testPool } from '../../test/harness.js';

// The engine with the real Postgres sink: how a chunk is cut into sink rounds (statements) and
// time slices. A database of its own for this file, dropped at the end.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let url = '';
let pool: pg.Pool;
/** Every statement the sink sent. */
let statements: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase('sluice_execute');
  url = database.url;
  pool = testPool(url, 4);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const recordingClient: SqlClient = {
  query: (text, values) => {
    statements.push(text);
    return pool.query(text, values);
  },
};

const validation = validationContextFactory(randomUUID(), pino({ level: 'silent' }));
const at = { x: 0, y: 0 };

function planInto(table: string): Plan {
  const graph: Graph = {
    name: 'into postgres',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: at },
      { id: 'pg', type: 'sink.postgres', config: { connectionString: url, table, columns: [{ name: 'n', type: 'integer' }] }, position: at },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'pg' }],
  };
  const compiled = compileGraph(graph, (nodeId) => ({ ...validation(nodeId), postgres: () => recordingClient }));
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.plan;
}

function records(count: number, value: (i: number) => unknown = (i) => i): EngineRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    correlationId: `c${i}`,
    receivedAt: new Date().toISOString(),
    generation: 0,
    data: { n: value(i) },
  }));
}

const inserts = () => statements.filter((s) => s.startsWith('INSERT'));
const rowCount = async (table: string) => Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

describe('executeChunk into the Postgres sink', () => {
  it('writes a whole chunk of the largest size (MAX_CHUNK_SIZE) in one statement', async () => {
    statements = [];
    const outcome = await executeChunk(planInto('whole'), 'in', records(5000), 0);
    expect(outcome.deadLetters).toEqual([]);
    expect(outcome.retries).toEqual([]);
    expect(inserts()).toHaveLength(1);
    expect(await rowCount('whole')).toBe(5000);
    expect(outcome.stats.node('pg').in).toBe(5000);
  });

  it('a bad value dead-letters only its record, and the rest of the chunk is written', async () => {
    statements = [];
    const input = records(500, (i) => (i === 123 ? 'not a number' : i));
    const outcome = await executeChunk(planInto('one_bad'), 'in', input, 0);
    expect(outcome.deadLetters.map((d) => d.recordId)).toEqual([input[123]!.id]);
    expect(outcome.deadLetters[0]!.error.message).toContain('SQLSTATE 22P02');
    expect(outcome.retries).toEqual([]);
    expect(await rowCount('one_bad')).toBe(499);
  });

  it('records beyond one round are handed on as a continuation when the time slice is spent', async () => {
    statements = [];
    const input = records(5200);
    // A chunk at its third attempt at the sink (as a retry enters it).
    const outcome = await executeChunk(planInto('sliced'), 'pg', input, 2, { sinkTimeSliceMs: 0 });
    // One round (one statement) is always made; the rest goes on at the same attempt, at once.
    expect(inserts()).toHaveLength(1);
    expect(await rowCount('sliced')).toBe(5000);
    expect(outcome.retries).toEqual([{ nodeId: 'pg', attempt: 2, delayMs: 0, records: input.slice(5000), continuation: true }]);
    expect(outcome.deadLetters).toEqual([]);
  });
});
