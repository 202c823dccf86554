import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, type Role } from '@sluice/shared';
import { api, deployFlow, startTestSluice, TEST_ADMIN, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';


async function login(base: string, email: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { csrfToken?: string; error?: { message: string } };
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, setCookie: res.headers.get('set-cookie') ?? '', csrf: body.csrfToken ?? '', body, headers: res.headers };
}

describe('identity and authorization', () => {
  let t: TestSluice;
  let flowA: string;
  let flowB: string;
  /** The flow the matrix calls every route on (it may stop, redeploy or delete it). */
  let flowM: string;
  let deadLetterId: string;
  const tokens = {} as Record<Role, string>;
  const PASSWORD = 'a long enough password 1';

  beforeAll(async () => {
    t = await startTestSluice();
    flowA = (await deployFlow(t, evenFlow('A'))).id;
    flowB = (await deployFlow(t, evenFlow('B'))).id;
    flowM = (await deployFlow(t, evenFlow('M'))).id;
    await t.api('POST', `/api/flows/${flowM}/ingest`, [{ n: 1 }, { n: 2 }]);
    deadLetterId = await waitFor('a dead letter', async () => (await t.api<{ items: { id: string }[] }>('GET', `/api/flows/${flowM}/dead-letters`)).body.items[0]?.id);
    for (const role of ['flow_designer', 'data_consumer', 'data_producer'] as const) {
      const email = `${role}@test.local`;
      const created = await t.api('POST', '/api/users', { email, password: PASSWORD, role, flowIds: role === 'data_producer' ? [flowA] : undefined });
      expect(created.status).toBe(201);
      const session = await login(t.url, email, PASSWORD);
      const token = await api<{ token: string }>(t.url, 'POST', '/api/tokens', { name: 'matrix' }, { cookie: session.cookie, 'x-csrf-token': session.csrf });
      expect(token.status).toBe(201);
      tokens[role] = token.body.token;
    }
    tokens.system_admin = t.token;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('declares an access for every route express has, and refuses undeclared ones at start', () => {
    const routes = t.sluice.routes!;
    const declared = new Set(routes.declared.map((r) => `${r.method} ${r.path}`));
    expect(routes.registered.length).toBeGreaterThan(20);
    for (const route of routes.registered) expect(declared.has(route), route).toBe(true);
    expect(routes.declared.filter((r) => r.access === 'public').map((r) => r.path).sort()).toEqual(['/auth/login', '/health', '/ready']);
  });

  it('answers every route, as every role and as nobody, exactly as the permission table says', async () => {
    const params: Record<string, string> = { ':id': flowM };
    const results: string[] = [];
    for (const route of t.sluice.routes!.declared) {
      let path = `/api${route.path}`;
      if (path.startsWith('/api/dead-letters/:id')) path = path.replace(':id', deadLetterId);
      else if (path.startsWith('/api/tokens/:id') || path.startsWith('/api/users/:id')) path = path.replace(':id', '00000000-0000-4000-8000-000000000000');
      else for (const [k, v] of Object.entries(params)) path = path.replace(k, v);
      // Bodies that cannot change anything: a 400 or 404 still proves the caller got past the check.
      const body = route.method === 'get' || route.method === 'delete' ? undefined : route.path.endsWith('/ingest') ? [{ n: 4 }] : { nothing: true };
      const send = async (authorization: string) => {
        // Deleting a flow or retrying would change what later calls see; a deployed flow refuses delete (409).
        const res = await api(t.url, route.method.toUpperCase(), path, body, authorization ? { authorization } : {});
        return res.status;
      };
      const anonymous = await send('');
      if (route.access === 'public') {
        expect(anonymous, `${route.method} ${path} as nobody`).not.toBe(401);
        continue;
      }
      expect(anonymous, `${route.method} ${path} as nobody`).toBe(401);
      for (const role of Object.keys(tokens) as Role[]) {
        const status = await send(`Bearer ${tokens[role]}`);
        const allowed = route.access === 'signed-in' || ROLE_PERMISSIONS[role].includes(route.access);
        results.push(`${route.method} ${route.path} ${role} ${status}`);
        if (allowed) expect([401, 403], `${route.method} ${path} as ${role}: ${status}`).not.toContain(status);
        else expect(status, `${route.method} ${path} as ${role}`).toBe(403);
        expect(status, `${route.method} ${path} as ${role}`).toBeLessThan(500);
      }
    }
    expect(results.length).toBeGreaterThan(60);
  });

  it('lets a producer ingest only into the flows granted to it, and read nothing', async () => {
    const producer = `Bearer ${tokens.data_producer}`;
    expect((await api(t.url, 'POST', `/api/flows/${flowA}/ingest`, { n: 2 }, { authorization: producer })).status).toBe(202);
    const other = await api<{ error: { code: string } }>(t.url, 'POST', `/api/flows/${flowB}/ingest`, { n: 2 }, { authorization: producer });
    expect(other.status).toBe(404);
    expect((await api(t.url, 'GET', '/api/flows', undefined, { authorization: producer })).status).toBe(403);
    expect((await api(t.url, 'GET', `/api/flows/${flowA}/dead-letters`, undefined, { authorization: producer })).status).toBe(403);
  });

  it('signs in with a cookie session that needs the CSRF token to change anything, and signs out for good', async () => {
    const session = await login(t.url, TEST_ADMIN.email, TEST_ADMIN.password);
    expect(session.status).toBe(200);
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    const me = await api<{ user: { email: string }; permissions: string[]; csrfToken: string }>(t.url, 'GET', '/api/auth/me', undefined, { cookie: session.cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(TEST_ADMIN.email);
    expect(me.body.permissions).toContain('users:manage');
    const withoutCsrf = await api(t.url, 'POST', '/api/flows', evenFlow('csrf'), { cookie: session.cookie });
    expect(withoutCsrf.status).toBe(403);
    const wrongCsrf = await api(t.url, 'POST', '/api/flows', evenFlow('csrf'), { cookie: session.cookie, 'x-csrf-token': 'guess' });
    expect(wrongCsrf.status).toBe(403);
    const withCsrf = await api(t.url, 'POST', '/api/flows', evenFlow('csrf'), { cookie: session.cookie, 'x-csrf-token': me.body.csrfToken });
    expect(withCsrf.status).toBe(201);
    expect((await api(t.url, 'POST', '/api/auth/logout', {}, { cookie: session.cookie, 'x-csrf-token': me.body.csrfToken })).status).toBe(204);
    expect((await api(t.url, 'GET', '/api/auth/me', undefined, { cookie: session.cookie })).status).toBe(401);
  });

  it('gives the same answer for an unknown user and a wrong password, and stops brute force with 429', async () => {
    const unknown = await login(t.url, 'nobody@test.local', 'whatever password');
    const wrong = await login(t.url, 'data_consumer@test.local', 'not the password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    const target = 'flow_designer@test.local';
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(t.url, target, `wrong ${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const locked = await login(t.url, target, PASSWORD);
    expect(locked.status).toBe(429); // even the right password waits out the window
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('accepts local addresses such as admin@localhost, and refuses what is not an email', async () => {
    expect((await t.api('POST', '/api/users', { email: 'Ops@LocalHost', password: PASSWORD, role: 'data_consumer' })).status).toBe(201);
    expect((await login(t.url, 'ops@localhost', PASSWORD)).status).toBe(200);
    const bad = await t.api<{ error: { details: { errors: { path: string }[] } } }>('POST', '/api/users', { email: 'not an email', password: PASSWORD, role: 'data_consumer' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0]!.path).toBe('email');
  });

  it('shows a token once, stores it hashed, lists it without the secret, and refuses it once revoked', async () => {
    const created = await t.api<{ id: string; token: string }>('POST', '/api/tokens', { name: 'ci job', role: 'data_consumer' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^slc_/);
    const { rows } = await t.pool.query('SELECT token_hash FROM api_tokens WHERE id = $1', [created.body.id]);
    expect(rows[0].token_hash).not.toContain(created.body.token);
    const list = await t.api<unknown[]>('GET', '/api/tokens');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    const auth = { authorization: `Bearer ${created.body.token}` };
    expect((await api(t.url, 'GET', '/api/flows', undefined, auth)).status).toBe(200);
    expect((await api(t.url, 'POST', '/api/flows', evenFlow('x'), auth)).status).toBe(403); // a consumer token of an admin
    expect((await t.api('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api(t.url, 'GET', '/api/flows', undefined, auth)).status).toBe(401);
    // A consumer may not mint a designer token.
    const escalate = await api(t.url, 'POST', '/api/tokens', { name: 'up', role: 'flow_designer' }, { authorization: `Bearer ${tokens.data_consumer}` });
    expect(escalate.status).toBe(403);
  });
});
