import type { Socket } from 'node:net';
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;

// int8 (counts, bigserial ids) as JS numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** `stream`: a socket factory for the connections (the egress guard's, for sinks). Default pg's own. */
export function createPool(connectionString: string, max: number, stream?: () => Socket): pg.Pool {
  // A request waits at most 5 s for a connection: when Postgres is down, callers get an error
  // (503 at the API) instead of hanging.
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, application_name: 'sluice', ...(stream ? { stream } : {}) });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return drizzle(pool, { schema });
}

/**
 * Runs `work` in one transaction on a connection of its own: committed when it returns, rolled back
 * (and the error passed on) when it throws. An early return commits too: callers return early only
 * before they have written anything.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
