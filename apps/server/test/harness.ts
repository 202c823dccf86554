// Test fixtures: a fresh database per test file on the real Postgres at 127.0.0.1:5432, Sluice
// started in-process against it, and small HTTP helpers. Everything made here is removed in stop().
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import type { Graph } from '@sluice/shared';
import { startSluice, type Sluice, type SluiceOptions } from '../src/sluice.js';
import { PlanCache } from '../src/compiler/plan-cache.js';
import type { ExternalPools } from '../src/engine/connections.js';
import { createEgressFetch, egressPolicy } from '../src/egress/guard.js';
import { createDb } from '../src/storage/db.js';
import { loadKeyring } from '../src/vault/keyring.js';
import { Vault } from '../src/vault/secrets.js';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty database with a unique name; returns its URL and a function that drops it. */
export async function createTestDatabase(prefix = 'sluice_test'): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A pool on a test database. pool.end() resolves before its clients' sockets have closed, so a
 * DROP DATABASE … WITH (FORCE) right after it can cut them off mid-goodbye: an expected error,
 * which without a listener would be an unhandled one.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

/** The first admin of every test server. */
export const TEST_ADMIN = { email: 'admin@test.local', password: 'correct horse battery staple' };

export interface TestSluice {
  url: string;
  /** An API token of the first admin (system_admin); `api` sends it unless told otherwise. */
  token: string;
  databaseUrl: string;
  sluice: Sluice;
  /** A client on the test database, for checking tables directly. */
  pool: pg.Pool;
  /** Calls the API as the admin (headers may override `authorization`, or set it to '' for none). */
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Where the harness's Sluices keep local state (the vault key file): shared, so they share a key. */
export const TEST_DATA_DIR = '/tmp/sluice-test-unused';

/**
 * A plan cache built the way the harness's Sluice builds its own (the same vault key, loopback
 * allowed by the egress guard), for tests that drive engine parts directly.
 */
export function testPlanCache(pool: pg.Pool, externals: ExternalPools): PlanCache {
  const keyring = loadKeyring({ dataDir: TEST_DATA_DIR });
  return new PlanCache(createDb(pool), externals, quietLogger, new Vault(pool, keyring), createEgressFetch(egressPolicy(['127.0.0.1'])));
}

export async function startTestSluice(options: Partial<SluiceOptions> = {}): Promise<TestSluice> {
  const db = await createTestDatabase();
  const sluice = await startSluice({
    databaseUrl: db.url,
    role: 'all',
    logger: quietLogger,
    port: 0,
    workerPollIntervalMs: 200,
    admin: TEST_ADMIN,
    dataDir: TEST_DATA_DIR,
    // Test sinks listen on loopback, which the egress guard refuses unless listed.
    egressAllow: ['127.0.0.1'],
    ...options,
  });
  const pool = testPool(db.url, 4);
  const url = sluice.url ?? '';
  const token = sluice.url ? await adminToken(url) : '';
  return {
    url,
    token,
    databaseUrl: db.url,
    sluice,
    pool,
    api: (method, path, body, headers) => {
      const { authorization = `Bearer ${token}`, ...rest } = headers ?? {};
      return api(url, method, path, body, authorization ? { authorization, ...rest } : rest);
    },
    async stop() {
      await sluice.close().catch(() => {});
      await pool.end().catch(() => {});
      await db.drop();
    },
  };
}

/** Signs in as the test admin and creates an API token (the way automation gets one). */
export async function adminToken(base: string, credentials = TEST_ADMIN): Promise<string> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (login.status !== 200) throw new Error(`test admin login failed: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const created = await fetch(`${base}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'test harness' }),
  });
  if (created.status !== 201) throw new Error(`test token failed: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}

export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Creates and deploys a flow; returns its id and version. */
export async function deployFlow(t: TestSluice, graph: Graph): Promise<{ id: string; version: number }> {
  const created = await t.api<{ id: string }>('POST', '/api/flows', graph);
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const deployed = await t.api<{ version: number }>('POST', `/api/flows/${created.body.id}/deploy`);
  if (deployed.status !== 200) throw new Error(`deploy failed: ${deployed.status} ${JSON.stringify(deployed.body)}`);
  return { id: created.body.id, version: deployed.body.version };
}
