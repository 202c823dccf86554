import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { SqlClient } from '../define.js';
import { asSink, build, makeContext, makeRecord } from '../testing.js';
import { MAX_CHUNK_SIZE } from '@sluice/shared';
import { POSTGRES_STATEMENT_CHARS, postgresSink } from './postgres.js';

// A database of its own for this file, made from the server's and dropped at the end.
const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `sluice_nodes_pg_${randomBytes(6).toString('hex')}`;
const url = `postgresql://postgres@127.0.0.1:5432/${database}`;
let pool: pg.Pool;
/** Every statement the sink sent, to check how many round trips it made. */
let statements: string[] = [];

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  pool = new pg.Pool({ connectionString: url, max: 4 });
  // Idle clients may be cut off by the DROP … WITH (FORCE) at the end (pool.end() does not wait for them).
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const recordingClient: SqlClient = {
  query: (text, values) => {
    statements.push(text);
    return pool.query(text, values);
  },
};

function sink(config: Record<string, unknown>) {
  return asSink(build(postgresSink, { connectionString: url, ...config }, makeContext({ postgres: () => recordingClient })));
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await pool.query(sql)).rows;
}

describe('sink.postgres', () => {
  it('creates the table once and writes typed columns from dotted paths, all rows in one statement', async () => {
    statements = [];
    const orders = sink({
      table: 'orders',
      columns: [
        { name: 'email', source: 'customer.email' },
        { name: 'qty', type: 'integer' },
        { name: 'total', type: 'numeric' },
        { name: 'paid', type: 'boolean' },
        { name: 'placed_at', source: 'placedAt', type: 'timestamptz' },
        { name: 'raw', source: '$', type: 'jsonb' },
        { name: 'note' },
      ],
    });
    const a = makeRecord({ customer: { email: 'a@x.com' }, qty: 2, total: 19.99, paid: true, placedAt: '2024-05-01T10:00:00Z' });
    const b = makeRecord({ customer: { email: 'b@x.com' }, qty: '3', total: '5', paid: false, placedAt: '2024-05-02T00:00:00+02:00', note: 'hi' });
    expect(await orders.deliver([a, b])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    const c = makeRecord({ qty: 1 });
    expect(await orders.deliver([c])).toEqual([{ status: 'delivered' }]);

    expect(statements.filter((s) => s.startsWith('CREATE TABLE'))).toHaveLength(1);
    expect(statements.filter((s) => s.startsWith('INSERT'))).toHaveLength(2);
    const written = await rows(
      `SELECT sluice_id, email, qty, total::text AS total, paid, placed_at, raw, note FROM orders ORDER BY email NULLS LAST`,
    );
    expect(written).toEqual([
      { sluice_id: a.id, email: 'a@x.com', qty: 2, total: '19.99', paid: true, placed_at: new Date('2024-05-01T10:00:00Z'), raw: a.data, note: null },
      { sluice_id: b.id, email: 'b@x.com', qty: 3, total: '5', paid: false, placed_at: new Date('2024-05-01T22:00:00Z'), raw: b.data, note: 'hi' },
      { sluice_id: c.id, email: null, qty: 1, total: null, paid: null, placed_at: null, raw: { qty: 1 }, note: null },
    ]);
  });

  it('a redelivered record is never a second row (insert keeps the first write)', async () => {
    const events = sink({ table: 'events', columns: [{ name: 'name' }] });
    const record = makeRecord({ name: 'first' });
    expect(await events.deliver([record, makeRecord({ name: 'other' })])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    // The same chunk again after a crash, and the same record changed on a later retry.
    expect(await events.deliver([record])).toEqual([{ status: 'delivered' }]);
    expect(await events.deliver([{ ...record, data: { name: 'second' } }])).toEqual([{ status: 'delivered' }]);
    expect(await rows(`SELECT name FROM events ORDER BY name`)).toEqual([{ name: 'first' }, { name: 'other' }]);

    // New rows go in with a plain INSERT; only a delivery holding a key already there runs ON CONFLICT too.
    statements = [];
    const fresh = makeRecord({ name: 'fresh' });
    expect(await events.deliver([fresh])).toEqual([{ status: 'delivered' }]);
    expect(statements.filter((s) => s.startsWith('INSERT')).map((s) => s.includes('ON CONFLICT'))).toEqual([false]);
    statements = [];
    const later = makeRecord({ name: 'later' });
    expect(await events.deliver([record, later])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(statements.filter((s) => s.startsWith('INSERT')).map((s) => s.includes('ON CONFLICT'))).toEqual([false, true]);
    expect(await rows(`SELECT name FROM events ORDER BY name`)).toEqual([{ name: 'first' }, { name: 'fresh' }, { name: 'later' }, { name: 'other' }]);
  });

  it('a unique column of an existing table other than the key dead-letters only the record that repeats it', async () => {
    await pool.query(`CREATE TABLE coded (sluice_id uuid PRIMARY KEY, code text UNIQUE)`);
    const coded = sink({ table: 'coded', createTable: false, columns: [{ name: 'code' }] });
    const first = makeRecord({ code: 'x' });
    const outcomes = await coded.deliver([first, makeRecord({ code: 'x' }), makeRecord({ code: 'y' })]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'permanent', 'delivered']);
    expect(outcomes[1]).toMatchObject({ error: { message: expect.stringContaining('(SQLSTATE 23505)') } });
    // The first one again (a redelivery) is delivered and stays one row.
    expect(await coded.deliver([first])).toEqual([{ status: 'delivered' }]);
    expect(await rows(`SELECT code FROM coded ORDER BY code`)).toEqual([{ code: 'x' }, { code: 'y' }]);
  });

  it('upsert overwrites the row of a redelivered record', async () => {
    const people = sink({ table: 'people', mode: 'upsert', columns: [{ name: 'name' }, { name: 'age', type: 'integer' }] });
    const record = makeRecord({ name: 'Ada', age: 36 });
    await people.deliver([record]);
    const changed = { ...record, data: { name: 'Ada Lovelace', age: 37 } };
    // The same id twice in one delivery is fine too: the last one wins.
    expect(await people.deliver([record, changed])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(await rows(`SELECT sluice_id, name, age FROM people`)).toEqual([{ sluice_id: record.id, name: 'Ada Lovelace', age: 37 }]);
  });

  it('a value that does not fit dead-letters only its record', async () => {
    const items = sink({ table: 'items', columns: [{ name: 'sku' }, { name: 'qty', type: 'integer' }] });
    const good1 = makeRecord({ sku: 'a', qty: 1 });
    const bad = makeRecord({ sku: 'b', qty: 'abc' });
    const good2 = makeRecord({ sku: 'c', qty: '3' });
    const outcomes = await items.deliver([good1, bad, good2]);

    expect(outcomes[0]).toEqual({ status: 'delivered' });
    expect(outcomes[2]).toEqual({ status: 'delivered' });
    expect(outcomes[1]).toEqual({
      status: 'permanent',
      error: { kind: 'permanent', message: 'table items: invalid input syntax for type integer: "abc" (SQLSTATE 22P02)' },
    });
    expect(await rows(`SELECT sku, qty FROM items ORDER BY sku`)).toEqual([{ sku: 'a', qty: 1 }, { sku: 'c', qty: 3 }]);
  });

  it('sends a round of large rows as several statements of at most POSTGRES_STATEMENT_CHARS, each failing on its own', async () => {
    statements = [];
    const notes = sink({ table: 'notes', columns: [{ name: 'body' }, { name: 'n', type: 'integer' }] });
    // 40 rows of 1 MB: about three statements' worth.
    const body = 'x'.repeat(2 ** 20);
    const batch = Array.from({ length: 40 }, (_, i) => makeRecord({ body, n: i === 35 ? 'abc' : i }));
    const outcomes = await notes.deliver(batch);

    expect(outcomes.map((o) => o.status)).toEqual(batch.map((_, i) => (i === 35 ? 'permanent' : 'delivered')));
    // Bulk statements: 40 MB in statements of at most 16 MB is three; then the one that held the bad
    // value again row by row (15 or fewer rows), and no other row is written twice.
    const bulk = Math.ceil((40 * (2 ** 20 + 100)) / POSTGRES_STATEMENT_CHARS);
    const inserts = statements.filter((s) => s.startsWith('INSERT')).length;
    expect(inserts).toBeGreaterThan(bulk);
    expect(inserts).toBeLessThanOrEqual(bulk + Math.ceil(POSTGRES_STATEMENT_CHARS / 2 ** 20));
    expect(await rows(`SELECT count(*)::int AS n FROM notes`)).toEqual([{ n: 39 }]);
  });

  it('writes columns with awkward names and values: __proto__, quotes, unicode, nested data, missing fields as NULL', async () => {
    const odd = sink({
      table: 'odd',
      columns: [
        { name: '__proto__', source: 'a' },
        { name: 'constructor', source: 'b.c', type: 'integer' },
        { name: 'doc', source: '$', type: 'jsonb' },
      ],
    });
    const data = { a: 'say "hi"\\ \u2028 ünïcode \u{1F600}', b: { c: 7 } };
    const sparse = { b: {} };
    expect(await odd.deliver([makeRecord(data), makeRecord(sparse)])).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(await rows(`SELECT "__proto__" AS p, "constructor" AS c, doc FROM odd ORDER BY c NULLS LAST`)).toEqual([
      { p: data.a, c: 7, doc: data },
      { p: null, c: null, doc: sparse },
    ]);
  });

  it('takes the largest chunk in one round, in one statement', async () => {
    statements = [];
    const numbers = sink({ table: 'numbers', columns: [{ name: 'n', type: 'integer' }] });
    expect(numbers.roundSize).toBe(MAX_CHUNK_SIZE);
    const outcomes = await numbers.deliver(Array.from({ length: MAX_CHUNK_SIZE }, (_, i) => makeRecord({ n: i })));
    expect(outcomes.every((o) => o.status === 'delivered')).toBe(true);
    expect(statements.filter((s) => s.startsWith('INSERT'))).toHaveLength(1);
    expect(await rows(`SELECT count(*)::int AS n FROM numbers`)).toEqual([{ n: MAX_CHUNK_SIZE }]);
  });

  it('a constraint of an existing table is a data error too', async () => {
    await pool.query(`CREATE TABLE checked (sluice_id uuid PRIMARY KEY, amount integer NOT NULL CHECK (amount > 0))`);
    const checked = sink({ table: 'checked', createTable: false, columns: [{ name: 'amount', type: 'integer' }] });
    const outcomes = await checked.deliver([makeRecord({ amount: 5 }), makeRecord({ amount: -1 }), makeRecord({})]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'permanent', 'permanent']);
    expect(outcomes[1]).toMatchObject({ error: { message: expect.stringContaining('(SQLSTATE 23514)') } });
    expect(outcomes[2]).toMatchObject({ error: { message: expect.stringContaining('(SQLSTATE 23502)') } });
    expect(await rows(`SELECT amount FROM checked`)).toEqual([{ amount: 5 }]);
  });

  it('writes to schema-qualified tables and quotes every name', async () => {
    await pool.query(`CREATE SCHEMA sales`);
    const odd = sink({ table: 'sales.Orders', keyColumn: 'Id', columns: [{ name: 'select', type: 'text' }, { name: 'Total', type: 'bigint' }] });
    const record = makeRecord({ select: 'x', Total: 9007199254740991 });
    expect(await odd.deliver([record])).toEqual([{ status: 'delivered' }]);
    expect(await rows(`SELECT "Id", "select", "Total" FROM sales."Orders"`)).toEqual([{ Id: record.id, select: 'x', Total: '9007199254740991' }]);
  });

  it('a missing table with createTable off is permanent for every record', async () => {
    const missing = sink({ table: 'nowhere', createTable: false, columns: [{ name: 'a' }] });
    const outcomes = await missing.deliver([makeRecord({ a: 1 }), makeRecord({ a: 2 })]);
    expect(outcomes).toEqual([
      { status: 'permanent', error: { kind: 'permanent', message: 'table nowhere: relation "nowhere" does not exist (SQLSTATE 42P01)' } },
      { status: 'permanent', error: { kind: 'permanent', message: 'table nowhere: relation "nowhere" does not exist (SQLSTATE 42P01)' } },
    ]);
  });

  it('an unreachable database is transient for every record, and the table is created once it is back', async () => {
    const down = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:1/postgres', connectionTimeoutMillis: 2000 });
    let reachable = false;
    const flaky: SqlClient = { query: (text, values) => (reachable ? pool.query(text, values) : down.query(text, values)) };
    const runtime = asSink(build(postgresSink, { connectionString: url, table: 'later', columns: [{ name: 'a' }] }, makeContext({ postgres: () => flaky })));
    try {
      const outcomes = await runtime.deliver([makeRecord({ a: 1 }), makeRecord({ a: 2 })]);
      expect(outcomes.map((o) => o.status)).toEqual(['transient', 'transient']);
      expect(outcomes[0]).toMatchObject({ error: { kind: 'exhausted', cause: 'connection', message: expect.stringContaining('ECONNREFUSED') } });
      reachable = true;
      expect(await runtime.deliver([makeRecord({ a: 3 })])).toEqual([{ status: 'delivered' }]);
      expect(await rows(`SELECT a FROM later`)).toEqual([{ a: '3' }]);
    } finally {
      await down.end();
    }
  });

  it('a database closed to new connections for a while is transient, not a reason to dead-letter', async () => {
    const closed = `sluice_nodes_closed_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${closed}`);
      await admin.query(`ALTER DATABASE ${closed} ALLOW_CONNECTIONS false`);
      const target = new pg.Pool({ connectionString: `postgresql://postgres@127.0.0.1:5432/${closed}`, connectionTimeoutMillis: 2000 });
      target.on('error', () => {});
      const runtime = asSink(build(postgresSink, { connectionString: url, table: 'closed', columns: [{ name: 'a' }] }, makeContext({ postgres: () => target })));
      const outcomes = await runtime.deliver([makeRecord({ a: 1 })]);
      expect(outcomes).toEqual([{ status: 'transient', error: expect.objectContaining({ message: expect.stringContaining('not currently accepting connections') }) }]);
      await target.end();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${closed} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('checks names and columns in the config', () => {
    const issues = (config: Record<string, unknown>) =>
      postgresSink.config.safeParse({ connectionString: url, table: 't', columns: [{ name: 'a' }], ...config }).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ table: 'orders; DROP TABLE x' })).toEqual(['table']);
    expect(issues({ table: 'a.b.c' })).toEqual(['table']);
    expect(issues({ columns: [{ name: 'a"b' }] })).toEqual(['columns.0.name']);
    expect(issues({ columns: [{ name: 'a' }, { name: 'a' }] })).toEqual(['columns.1.name']);
    expect(issues({ columns: [{ name: 'sluice_id' }] })).toEqual(['columns.0.name']);
    expect(issues({ connectionString: 'mysql://x' })).toEqual(['connectionString']);
    expect(issues({})).toBeUndefined();
  });
});
