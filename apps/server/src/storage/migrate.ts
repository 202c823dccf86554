import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Logger, runMigrations } from 'graphile-worker';
import { createDb } from './db.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../../migrations', import.meta.url));
/** Any number of processes may start at once; one advisory lock lets one of them migrate. */
const MIGRATION_LOCK = 7_201_501;

/** Applies Sluice's SQL migrations and graphile-worker's own schema. */
export async function applyMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(createDb(pool), { migrationsFolder: MIGRATIONS_FOLDER });
      await runMigrations({ pgPool: pool, logger: silentLogger });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** graphile-worker logs through ours elsewhere; its migration chatter is not needed. */
export const silentLogger = new Logger(() => () => {});
