// Authentication across server processes: two servers on one database. A signed request is
// accepted once in the cluster, a revocation made on one server stops the credential on the other
// without waiting for a cache, and refused sockets are audited like refused HTTP calls.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Graph, ServerToClientEvents } from '@sluice/shared';
import { startSluice, type Sluice } from '../src/sluice.js';
import { deleteExpiredSignatures } from '../src/ingest/source-auth.js';
import pg from 'pg';
import { FALLBACK_CACHE_MS, LIVE_CACHE_MS, RevocationListener, type Revocation } from '../src/auth/revocations.js';
import { api, deployFlow, quietLogger, startTestSluice, TEST_DATA_DIR, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

const ODD = JSON.stringify([{ n: 1 }]);
const PASSWORD = 'a long enough password 1';
/** Well inside the cache time: a refusal seen within it came from the announcement, not the cache expiring. */
const PROPAGATION_WAIT_MS = Math.min(10_000, LIVE_CACHE_MS / 3);

function flowWithAuth(name: string, auth: unknown): Graph {
  const graph = evenFlow(name);
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === 'in' ? { ...n, config: { auth } } : n)) };
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a socket; resolves with it once connected, or with the refusal's message. */
function connect(url: string, options: { token?: string; cookie?: string }): Promise<{ socket: ClientSocket; error: string | null }> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    ...(options.token ? { auth: { token: options.token } } : {}),
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, error: null }));
    socket.once('connect_error', (err) => resolve({ socket, error: err.message }));
  });
}

describe('authentication across server processes', () => {
  let t: TestSluice;
  let second: Sluice;
  let b: string;
  const sockets: ClientSocket[] = [];

  const startSecond = () =>
    startSluice({ databaseUrl: t.databaseUrl, role: 'server', logger: quietLogger, port: 0, alertIntervalMs: 3_600_000, admin: { password: 'unused password 1' }, dataDir: TEST_DATA_DIR });

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    second = await startSecond();
    b = second.url!;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await second?.close();
    await t?.stop();
  });

  /** Signs in on a server; returns the session cookie and its CSRF token. */
  async function login(url: string, email: string): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(res.status).toBe(200);
    return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }

  async function createUser(email: string, role: string): Promise<string> {
    const created = await t.api<{ id: string }>('POST', '/api/users', { email, password: PASSWORD, role });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** A personal API token of a user, made through their own session. */
  async function tokenOf(email: string, name: string): Promise<string> {
    const { cookie, csrf } = await login(t.url, email);
    const res = await api<{ token: string }>(t.url, 'POST', '/api/tokens', { name }, { cookie, 'x-csrf-token': csrf });
    expect(res.status).toBe(201);
    return res.body.token;
  }

  const statusOn = async (url: string, headers: Record<string, string>) => (await api(url, 'GET', '/api/flows', undefined, headers)).status;
  const refusedOn = (url: string, headers: Record<string, string>, what: string) =>
    waitFor(what, async () => ((await statusOn(url, headers)) === 401 ? true : undefined), PROPAGATION_WAIT_MS, 50);

  it('accepts a signed request once in the whole cluster: replayed to the other server it is refused and audited', async () => {
    const secret = 'a-cluster-shared-secret-32-chars';
    const { id } = await deployFlow(t, flowWithAuth('hmac-cluster', { type: 'hmac', secret }));
    const signed = (body: string, at: number) => ({
      'content-type': 'application/json',
      'x-signature': createHmac('sha256', secret).update(`${at}.${body}`).digest('hex'),
      'x-timestamp': String(at),
    });
    const now = Math.floor(Date.now() / 1000);
    const headers = signed(ODD, now);
    expect((await api(t.url, 'POST', `/api/flows/${id}/ingest`, ODD, headers)).status).toBe(202);
    const replay = await api<{ error: { details: { reason: string } } }>(b, 'POST', `/api/flows/${id}/ingest`, ODD, headers);
    expect(replay.status).toBe(401);
    expect(replay.body.error.details.reason).toBe('replayed');
    // And back on the first server too.
    expect((await api(t.url, 'POST', `/api/flows/${id}/ingest`, ODD, headers)).status).toBe(401);
    await waitFor('the replay in the audit log', async () => {
      const { rows } = await t.pool.query(`SELECT details FROM audit_log WHERE action = 'ingest.denied' AND resource_id = $1 AND details->>'reason' = 'replayed'`, [id]);
      return rows.length > 0 ? rows : undefined;
    });

    // What is kept is a hash, never the signature or the secret.
    const { rows: kept } = await t.pool.query('SELECT signature_hash, expires_at FROM ingest_signatures');
    expect(kept).toHaveLength(1);
    expect(kept[0].signature_hash).not.toContain(headers['x-signature']);
    expect(JSON.stringify(kept)).not.toContain(secret);
    expect(new Date(kept[0].expires_at).getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);

    // A signed request refused for its body took nothing in: the same request may be sent again (to either server).
    const badBody = '{"not": json';
    const badHeaders = signed(badBody, now + 1);
    expect((await api(t.url, 'POST', `/api/flows/${id}/ingest`, badBody, badHeaders)).status).toBe(400);
    expect((await api(b, 'POST', `/api/flows/${id}/ingest`, badBody, badHeaders)).status).toBe(400);

    // Expired signatures are deleted; live ones stay.
    await t.pool.query(`INSERT INTO ingest_signatures (signature_hash, expires_at) VALUES ('expired', now() - interval '1 second')`);
    expect(await deleteExpiredSignatures(t.pool)).toBe(1);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM ingest_signatures')).rows[0].n).toBe(1);
  });

  it('stops a revoked source API key on the other server at once, though it had the key cached', async () => {
    const { id } = await deployFlow(t, evenFlow('keys-cluster'));
    const keysPath = `/api/flows/${id}/sources/in/keys`;
    const key = (await t.api<{ id: string; key: string }>('POST', keysPath, { name: 'crm' })).body;
    const send = (url: string) => api(url, 'POST', `/api/flows/${id}/ingest`, ODD, { 'content-type': 'application/json', 'x-api-key': key.key });
    expect((await send(b)).status).toBe(202); // the second server caches the source's keys now
    expect((await t.api('DELETE', `${keysPath}/${key.id}`)).status).toBe(204);
    await waitFor('the second server to refuse the revoked key', async () => ((await send(b)).status === 401 ? true : undefined), PROPAGATION_WAIT_MS, 50);
    // A key made on one server works on the other at once too.
    const fresh = (await t.api<{ key: string }>('POST', keysPath, { name: 'erp' })).body.key;
    await waitFor('the second server to take the new key', async () => {
      const res = await api(b, 'POST', `/api/flows/${id}/ingest`, ODD, { 'content-type': 'application/json', 'x-api-key': fresh });
      return res.status === 202 ? true : undefined;
    }, PROPAGATION_WAIT_MS, 50);
  });

  it('stops a revoked personal API token on the other server at once, and drops its sockets there', async () => {
    await createUser('designer@test.local', 'flow_designer');
    const token = await tokenOf('designer@test.local', 'ci');
    const bearer = { authorization: `Bearer ${token}` };
    expect(await statusOn(b, bearer)).toBe(200); // cached on the second server
    const { socket, error } = await connect(b, { token });
    sockets.push(socket);
    expect(error).toBeNull();
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

    const listed = await t.api<{ id: string; name: string }[]>('GET', '/api/tokens', undefined, bearer);
    const tokenId = listed.body.find((k) => k.name === 'ci')!.id;
    expect((await t.api('DELETE', `/api/tokens/${tokenId}`)).status).toBe(204);
    await refusedOn(b, bearer, 'the second server to refuse the revoked token');
    expect(await dropped).toBe('io server disconnect');
    expect((await connect(b, { token })).error).toMatch(/unauthorized/);
  });

  it('stops a disabled user everywhere at once: tokens and sessions', async () => {
    const userId = await createUser('consumer@test.local', 'data_consumer');
    const token = await tokenOf('consumer@test.local', 'dashboards');
    const { cookie } = await login(b, 'consumer@test.local');
    const bearer = { authorization: `Bearer ${token}` };
    expect(await statusOn(b, bearer)).toBe(200);
    expect(await statusOn(b, { cookie })).toBe(200);
    expect((await t.api('PATCH', `/api/users/${userId}`, { disabled: true })).status).toBe(200);
    await refusedOn(b, bearer, 'the second server to refuse the disabled user’s token');
    expect(await statusOn(b, { cookie })).toBe(401);
  });

  it('ends a logged-out session on every server: its sockets on the other server are dropped', async () => {
    await createUser('watcher@test.local', 'data_consumer');
    const { cookie, csrf } = await login(t.url, 'watcher@test.local');
    expect(await statusOn(b, { cookie })).toBe(200);
    const { socket, error } = await connect(b, { cookie });
    sockets.push(socket);
    expect(error).toBeNull();
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    expect((await api(t.url, 'POST', '/api/auth/logout', undefined, { cookie, 'x-csrf-token': csrf })).status).toBe(204);
    expect(await statusOn(b, { cookie })).toBe(401);
    expect(await dropped).toBe('io server disconnect');
  });

  it('listens again after losing its connection, and revocations reach it once more', async () => {
    const listeners = async () =>
      (await t.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN sluice_auth' AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await t.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    await waitFor('both servers to LISTEN again', async () => {
      const now = await listeners();
      return now.length === 2 && now.every((pid) => !before.includes(pid)) ? now : undefined;
    }, 30_000);

    await createUser('operator@test.local', 'flow_designer');
    const token = await tokenOf('operator@test.local', 'ops');
    const bearer = { authorization: `Bearer ${token}` };
    expect(await statusOn(b, bearer)).toBe(200);
    const listed = await api<{ id: string }[]>(t.url, 'GET', '/api/tokens', undefined, bearer);
    expect((await t.api('DELETE', `/api/tokens/${listed.body[0]!.id}`)).status).toBe(204);
    await refusedOn(b, bearer, 'the second server to refuse the revoked token after reconnecting');
  });

  it('audits refused sockets like refused HTTP calls, one entry per address and window however often a client retries', async () => {
    // A server of its own, so its coalescing window closes (and writes its summary) when it stops.
    const third = await startSecond();
    let stopped = false;
    const { rows: marker } = await t.pool.query('SELECT coalesce(max(id), 0) AS id FROM audit_log');
    const since = String(marker[0].id);
    try {
      for (let i = 0; i < 5; i++) {
        const { socket, error } = await connect(third.url!, { token: 'slc_not-a-token' });
        socket.close();
        expect(error).toMatch(/unauthorized/);
      }
      const producer = await createUser('producer@test.local', 'data_producer');
      const producerToken = await tokenOf('producer@test.local', 'feed');
      const { socket, error } = await connect(third.url!, { token: producerToken });
      sockets.push(socket);
      expect(error).toBeNull();
      const { id } = await deployFlow(t, evenFlow('watched'));
      const ack = await socket.emitWithAck('subscribe', { flowId: id });
      expect(ack.ok).toBe(false);

      await waitFor('the refusals in the audit log', async () => {
        const { rows } = await t.pool.query(`SELECT * FROM audit_log WHERE id > $1 AND action = 'auth.denied' AND details->>'transport' = 'websocket'`, [since]);
        return rows.length >= 2 ? rows : undefined;
      });
      await third.close();
      stopped = true;
      const { rows } = await t.pool.query(`SELECT * FROM audit_log WHERE id > $1 AND action = 'auth.denied' AND details->>'transport' = 'websocket' ORDER BY id`, [since]);
      const refused = rows.filter((r) => r.resource_type === 'socket');
      // The first refusal at once, the other four as one summary when the window closed.
      expect(refused).toHaveLength(2);
      expect(refused[0]).toMatchObject({ outcome: 'failure', user_id: null, resource_id: 'connect' });
      expect(refused[0].source_ip).toMatch(/127\.0\.0\.1/);
      expect(refused[0].details).toMatchObject({ status: 401, credentials: 'token' });
      expect(refused[1].details).toMatchObject({ repeated: 4 });
      expect(JSON.stringify(rows)).not.toContain('slc_not-a-token');
      const denied = rows.filter((r) => r.resource_type === 'flow');
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ outcome: 'denied', user_id: producer, resource_id: id });
      expect(denied[0].details).toMatchObject({ status: 403, event: 'subscribe', needs: 'flows:read' });
    } finally {
      if (!stopped) await third.close();
    }
  });

  it('hears revocations made outside the API too, and trusts caches for a second only while its connection is down', async () => {
    const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
    pool.on('error', () => {});
    const listener = new RevocationListener(pool, quietLogger, 1500);
    const heard: Revocation[] = [];
    listener.onRevocation((r) => heard.push(r));
    try {
      expect(listener.cacheMs()).toBe(FALLBACK_CACHE_MS);
      await listener.start();
      expect(listener.live).toBe(true);
      expect(listener.cacheMs()).toBe(LIVE_CACHE_MS);
      expect(heard).toEqual([{ kind: 'all' }]);

      // Revoked by hand in psql: announced all the same.
      await createUser('scripted@test.local', 'flow_designer');
      await tokenOf('scripted@test.local', 'cron');
      const { rows } = await t.pool.query(`UPDATE api_tokens SET revoked_at = now() WHERE name = 'cron' RETURNING token_hash, user_id`);
      await waitFor('the announcement', async () => heard.find((r) => r.kind === 'token'), 10_000, 20);
      expect(heard.find((r) => r.kind === 'token')).toEqual({ kind: 'token', tokenHash: rows[0].token_hash, userId: rows[0].user_id });
      // Using a token (last_used_at) announces nothing.
      const count = heard.length;
      await t.pool.query(`UPDATE api_tokens SET last_used_at = now() WHERE name = 'cron'`);
      await t.pool.query('SELECT pg_notify($1, $2)', ['sluice_auth', JSON.stringify({ kind: 'user', userId: 'marker' })]);
      await waitFor('the marker', async () => heard.find((r) => r.kind === 'user' && r.userId === 'marker'), 10_000, 20);
      expect(heard.slice(count)).toEqual([{ kind: 'user', userId: 'marker' }]);

      // The connection drops: a second's trust until it is back, then everything is forgotten.
      const { rows: mine } = await t.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN sluice_auth' ORDER BY backend_start DESC LIMIT 1`,
      );
      await t.pool.query('SELECT pg_terminate_backend($1)', [mine[0]!.pid]);
      await waitFor('the listener to notice', async () => (listener.live ? undefined : true), 10_000, 20);
      expect(listener.cacheMs()).toBe(FALLBACK_CACHE_MS);
      const before = heard.length;
      await waitFor('the listener to be back', async () => (listener.live ? true : undefined), 10_000, 50);
      expect(listener.cacheMs()).toBe(LIVE_CACHE_MS);
      expect(heard.slice(before)).toEqual([{ kind: 'all' }]);
    } finally {
      await listener.close();
      await pool.end();
    }
  });
});
