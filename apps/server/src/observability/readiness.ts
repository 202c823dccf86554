import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { DEAD_AFTER_MS } from '../engine/reaper.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../../migrations', import.meta.url));

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string; workers: string };
}

/**
 * Ready means: the database answers, every migration in migrations/ is applied, and (for a
 * process that serves HTTP) at least one worker process has a fresh heartbeat, so accepted records
 * will be processed.
 */
export async function checkReadiness(pool: pg.Pool, needWorkers: boolean): Promise<Readiness> {
  const checks = { database: 'ok', migrations: 'ok', workers: 'ok' };
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    checks.database = `unreachable: ${(err as Error).message}`;
    return { ready: false, checks: { ...checks, migrations: 'unknown', workers: 'unknown' } };
  }
  const expected = fs.readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length;
  const applied = await pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations').then(
    (r) => Number(r.rows[0]?.n ?? 0),
    () => 0,
  );
  if (applied < expected) checks.migrations = `${applied} of ${expected} applied`;
  if (needWorkers) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM worker_processes WHERE heartbeat_at > now() - make_interval(secs => $1::double precision / 1000)`,
      [DEAD_AFTER_MS],
    );
    if (Number(rows[0]?.n ?? 0) === 0) checks.workers = 'no worker process has a fresh heartbeat: accepted records would wait';
  }
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}
