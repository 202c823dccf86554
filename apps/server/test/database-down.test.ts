import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { isDatabaseUnavailable } from '../src/storage/db-errors.js';

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('when the database goes away', () => {
  let t: TestSluice;
  let name: string;
  beforeAll(async () => {
    t = await startTestSluice();
    name = new URL(t.databaseUrl).pathname.slice(1);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
    await t?.stop();
  });

  it('recognises connection failures among errors and their causes', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: Object.assign(new Error('terminating connection'), { code: '57P01' }) }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
  });

  it('answers 503 while it is unreachable, never 500, and accepts again once it is back', async () => {
    const at = { x: 0, y: 0 };
    const flow = await deployFlow(t, {
      name: 'db down',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: at },
        { id: 'log', type: 'sink.log', config: { includeData: false }, position: at },
      ],
      edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'log' }],
    });
    expect((await t.api('POST', `/api/flows/${flow.id}/ingest`, { n: 1 })).status).toBe(202);

    // Take the database away from everyone: refuse new connections and end the open ones.
    await t.pool.end();
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);

    // The flow's status is cached for a second; wait past it so ingest must reach the database.
    await new Promise((r) => setTimeout(r, 1200));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.api<{ error: { code: string } }>('POST', `/api/flows/${flow.id}/ingest`, { n: i });
      statuses.push(res.status);
      if (res.status === 503) {
        expect(res.body.error.code).toBe('unavailable');
        expect(res.headers.get('retry-after')).toBe('5');
      }
    }
    expect(statuses).toEqual([503, 503, 503]);
    const health = await t.api<{ status: string }>('GET', '/api/health');
    expect(health.status).toBe(503);
    const list = await t.api('GET', '/api/flows');
    expect(list.status).toBe(503);

    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await waitFor('ingest to accept again', async () => ((await t.api('POST', `/api/flows/${flow.id}/ingest`, { n: 9 })).status === 202 ? true : undefined), 30_000, 250);
    // And the worker reconnected too: the records accepted before and after are delivered.
    t.pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
    t.pool.on('error', () => {});
    await waitFor('the backlog to drain', async () => {
      const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM chunks');
      return rows[0].n === 0 ? true : undefined;
    }, 30_000, 250);
  });
});
