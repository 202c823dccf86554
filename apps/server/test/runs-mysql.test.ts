// source.mysql against the real MariaDB on 127.0.0.1:3306: a keyset-paged run into a Postgres sink
// with counts that add up, and missing rows named by key and recovered.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph, Run } from '@sluice/shared';
import { createTestDatabase, testPool, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';

const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

describe('source.mysql runs', () => {
  let t: TestSluice;
  let sink: Awaited<ReturnType<typeof createTestDatabase>>;
  let sinkPool: pg.Pool;
  let my: mysql.Pool;
  const table = `sluice_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await startTestSluice();
    sink = await createTestDatabase('sluice_sink');
    sinkPool = testPool(sink.url, 2);
    my = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    await my.query(`CREATE TABLE ${table} (sku VARCHAR(20) PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(10,2) NOT NULL, hidden BOOLEAN NOT NULL DEFAULT FALSE, changed_at DATETIME NOT NULL)`);
    const rows = Array.from({ length: 750 }, (_, i) => [`SKU-${String(i).padStart(5, '0')}`, `product ${i}`, (i % 100) + 0.5, i % 125 === 3, '2026-01-01 10:00:00']);
    await my.query(`INSERT INTO ${table} (sku, name, price, hidden, changed_at) VALUES ?`, [rows]);
  });
  afterAll(async () => {
    await t?.stop();
    await my?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await my?.end();
    await sinkPool?.end();
    await sink?.drop();
  });

  const flow = (name: string, source: Record<string, unknown>, sinkTable: string): Graph & { settings: Record<string, unknown> } => ({
    name,
    nodes: [
      { id: 'src', type: 'source.mysql', config: { connectionString: MYSQL_URL, keyColumn: 'sku', ...source }, position: { x: 0, y: 0 } },
      {
        id: 'out',
        type: 'sink.postgres',
        config: { connectionString: sink.url, table: sinkTable, columns: [{ name: 'sku' }, { name: 'name' }, { name: 'price', type: 'numeric' }, { name: 'changed_at', type: 'timestamptz' }] },
        position: { x: 300, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'src', sourcePort: 'out', target: 'out' }],
    settings: { chunkSize: 100, parallelism: 2 },
  });
  const finished = (flowId: string, runId: string) =>
    waitFor('the run to finish', async () => {
      const run = (await t.api<Run>('GET', `/api/flows/${flowId}/runs/${runId}`)).body;
      return run.status === 'running' ? undefined : run;
    });

  it('pulls a MariaDB table page by page into Postgres, each row once', async () => {
    const f = await deployFlow(t, flow('mysql all', { query: `SELECT sku, name, price, changed_at FROM ${table}` }, 'products'));
    const run = await finished(f.id, (await t.api<Run>('POST', `/api/flows/${f.id}/runs`, {})).body.id);
    expect(run).toMatchObject({ status: 'succeeded', expected: 750, fetched: 750, delivered: 750, deadLettered: 0, missing: 0, pages: 8 });
    const { rows } = await sinkPool.query(`SELECT count(*)::int AS n, count(DISTINCT sku)::int AS skus, sum(price)::text AS total FROM products`);
    const [sum] = await my.query(`SELECT CAST(SUM(price) AS CHAR) AS total FROM ${table}`);
    expect(rows[0]).toEqual({ n: 750, skus: 750, total: (sum as { total: string }[])[0]!.total });
    const one = await sinkPool.query(`SELECT name, changed_at FROM products WHERE sku = 'SKU-00042'`);
    expect(one.rows[0].name).toBe('product 42');
  });

  it('names the rows a MariaDB source did not return and fetches just those again', async () => {
    const hidden = Array.from({ length: 750 }, (_, i) => i).filter((i) => i % 125 === 3).map((i) => `SKU-${String(i).padStart(5, '0')}`);
    const f = await deployFlow(
      t,
      flow('mysql drops', { query: `SELECT sku, name, price, changed_at FROM ${table} WHERE NOT hidden`, countQuery: `SELECT COUNT(*) FROM ${table}`, keysQuery: `SELECT sku FROM ${table} ORDER BY sku` }, 'products_drops'),
    );
    const run = await finished(f.id, (await t.api<Run>('POST', `/api/flows/${f.id}/runs`, {})).body.id);
    expect(run).toMatchObject({ status: 'incomplete', expected: 750, fetched: 750 - hidden.length, missing: hidden.length, missingKeys: hidden });
    await my.query(`UPDATE ${table} SET hidden = FALSE`);
    expect((await t.api('POST', `/api/flows/${f.id}/runs/${run.id}/retry-missing`, {})).status).toBe(200);
    const after = await finished(f.id, run.id);
    expect(after).toMatchObject({ status: 'succeeded', fetched: 750, delivered: 750, missing: 0 });
    const { rows } = await sinkPool.query(`SELECT count(*)::int AS n FROM products_drops WHERE sku = ANY($1)`, [hidden]);
    expect(rows[0].n).toBe(hidden.length);
  });
});
