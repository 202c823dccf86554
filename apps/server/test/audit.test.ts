import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPage } from '@sluice/shared';
import { api, deployFlow, startTestSluice, TEST_ADMIN, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

const PASSWORD = 'a long enough password 1';

async function login(base: string, email: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { csrfToken?: string };
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrfToken ?? '' };
}

describe('audit log', () => {
  let t: TestSluice;
  let consumerToken: string;
  let consumerId: string;

  /** Every audit row, oldest first, straight from the table. */
  async function rows(action?: string): Promise<Record<string, unknown>[]> {
    const { rows } = await t.pool.query(`SELECT * FROM audit_log ${action ? 'WHERE action = $1' : ''} ORDER BY id`, action ? [action] : []);
    return rows;
  }
  async function page(query: string, authorization?: string) {
    return api<AuditPage>(t.url, 'GET', `/api/audit${query}`, undefined, { authorization: authorization ?? `Bearer ${t.token}` });
  }

  beforeAll(async () => {
    t = await startTestSluice({ auditCoalesceMs: 2000 });
    const created = await t.api<{ id: string }>('POST', '/api/users', { email: 'consumer@test.local', password: PASSWORD, role: 'data_consumer' });
    consumerId = created.body.id;
    consumerToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'consumer ci', role: 'data_consumer' })).body.token;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('records sign-in success and failure alike for unknown and known accounts, and sign-out', async () => {
    const ok = await login(t.url, TEST_ADMIN.email, TEST_ADMIN.password);
    expect(ok.status).toBe(200);
    expect((await login(t.url, 'nobody@test.local', 'wrong password')).status).toBe(401);
    expect((await login(t.url, 'consumer@test.local', 'wrong password')).status).toBe(401);
    expect((await api(t.url, 'POST', '/api/auth/logout', {}, { cookie: ok.cookie, 'x-csrf-token': ok.csrf })).status).toBe(204);

    const logins = await rows('auth.login');
    const success = logins.filter((r) => r.outcome === 'success').at(-1)!;
    expect(success.actor).toBe(TEST_ADMIN.email);
    expect(success.user_id).toBeTruthy();
    expect(success.source_ip).toMatch(/127\.0\.0\.1/);
    expect(success.correlation_id).toBeTruthy();
    const failures = logins.filter((r) => r.outcome === 'failure');
    expect(failures).toHaveLength(2);
    // Nothing tells an unknown account from a wrong password: same columns, same detail keys, no user id.
    for (const f of failures) {
      expect(f.user_id).toBeNull();
      expect(f.actor).toBeNull();
      expect(Object.keys(f.details as object)).toEqual(['email']);
    }
    expect(failures.map((f) => (f.details as { email: string }).email)).toEqual(['n***@test.local', 'c***@test.local']);
    const logout = (await rows('auth.logout')).at(-1)!;
    expect(logout.actor).toBe(TEST_ADMIN.email);
    expect(logout.outcome).toBe('success');
  });

  it('records token create and revoke, user create and role change, without secrets', async () => {
    const token = await t.api<{ id: string; token: string }>('POST', '/api/tokens', { name: 'audited token', role: 'data_consumer' });
    expect((await t.api('DELETE', `/api/tokens/${token.body.id}`)).status).toBe(204);
    expect((await t.api('PATCH', `/api/users/${consumerId}`, { role: 'flow_designer', password: 'another long password 2' })).status).toBe(200);
    const create = (await rows('token.create')).find((r) => r.resource_id === token.body.id)!;
    expect(create.details).toMatchObject({ name: 'audited token', role: 'data_consumer' });
    expect(create.actor).toMatch(/^admin@test\.local \(token "test harness"\)$/);
    expect((await rows('token.revoke')).some((r) => r.resource_id === token.body.id)).toBe(true);
    expect((await rows('user.create')).find((r) => r.resource_id === consumerId)!.details).toMatchObject({ email: 'c***@test.local', role: 'data_consumer' });
    const update = (await rows('user.update')).find((r) => r.resource_id === consumerId)!;
    expect(update.details).toEqual({ role: 'flow_designer', passwordChanged: true });
    const everything = JSON.stringify(await rows());
    for (const secret of [token.body.token, 'another long password 2', PASSWORD, TEST_ADMIN.password, t.token]) expect(everything).not.toContain(secret);
    await t.api('PATCH', `/api/users/${consumerId}`, { role: 'data_consumer' });
  });

  it('records secret create, update and delete by name, never the value', async () => {
    const values = ['first value of the crm token', 'second value of the crm token'];
    expect((await t.api('PUT', '/api/secrets/crm-token', { value: values[0] })).status).toBe(201);
    expect((await t.api('PUT', '/api/secrets/crm-token', { value: values[1] })).status).toBe(200);
    expect((await t.api('DELETE', '/api/secrets/crm-token')).status).toBe(204);
    const { rows: changes } = await t.pool.query(`SELECT action, actor, outcome, resource_type, resource_id FROM audit_log WHERE action LIKE 'secret.%' ORDER BY id`);
    expect(changes).toEqual(
      ['secret.create', 'secret.update', 'secret.delete'].map((action) => ({ action, actor: 'admin@test.local (token "test harness")', outcome: 'success', resource_type: 'secret', resource_id: 'crm-token' })),
    );
    const everything = JSON.stringify(await rows());
    for (const value of values) expect(everything).not.toContain(value);
  });

  it('records 401 and 403 refusals of the route guard', async () => {
    expect((await api(t.url, 'GET', '/api/flows')).status).toBe(401);
    expect((await api(t.url, 'POST', '/api/flows', evenFlow('no'), { authorization: `Bearer ${consumerToken}` })).status).toBe(403);
    // Refusals are written in the background (a flood of them must not hold requests up).
    const denied = await waitFor('both refusals', async () => {
      const found = await rows('auth.denied');
      return found.some((r) => r.resource_id === 'GET /api/flows') && found.some((r) => r.resource_id === 'POST /api/flows') ? found : undefined;
    });
    const anonymous = denied.find((r) => r.outcome === 'failure' && r.resource_id === 'GET /api/flows')!;
    expect(anonymous.user_id).toBeNull();
    expect(anonymous.details).toMatchObject({ status: 401, needs: 'flows:read' });
    const forbidden = denied.find((r) => r.outcome === 'denied' && r.resource_id === 'POST /api/flows')!;
    expect(forbidden.actor).toContain('consumer ci');
    expect(forbidden.details).toMatchObject({ status: 403, needs: 'flows:write' });
  });

  it('records flow create, update, deploy, stop and delete, and every dead letter action', async () => {
    const { id } = await deployFlow(t, evenFlow('audited'));
    expect((await t.api('PUT', `/api/flows/${id}`, evenFlow('audited, renamed'))).status).toBe(200);
    expect((await t.api('POST', `/api/flows/${id}/ingest`, [{ n: 1 }, { n: 3 }, { n: 5 }])).status).toBe(202);
    const list = await waitFor('three dead letters', async () => {
      const res = await t.api<{ items: { id: string }[] }>('GET', `/api/flows/${id}/dead-letters`);
      return res.body.items.length === 3 ? res.body.items : undefined;
    });
    expect((await t.api('GET', `/api/dead-letters/${list[0]!.id}`)).status).toBe(200);
    expect((await t.api('PATCH', `/api/dead-letters/${list[0]!.id}`, { record: { n: 2 } })).status).toBe(200);
    expect((await t.api('POST', '/api/dead-letters/retry', { ids: [list[0]!.id] })).status).toBe(200);
    expect((await t.api('POST', '/api/dead-letters/discard', { flowId: id, all: true })).status).toBe(200);
    expect((await t.api('POST', `/api/flows/${id}/stop`)).status).toBe(200);
    expect((await t.api('DELETE', `/api/flows/${id}`)).status).toBe(204);

    const forFlow = (await rows()).filter((r) => r.resource_id === id || (r.details as { flowId?: string }).flowId === id || r.resource_type === 'dead_letter' || r.resource_type === 'dead_letters');
    const actions = forFlow.map((r) => r.action);
    for (const action of ['flow.create', 'flow.update', 'flow.deploy', 'flow.stop', 'flow.delete', 'dead_letter.view', 'dead_letter.edit', 'dead_letter.retry', 'dead_letter.discard']) {
      expect(actions, action).toContain(action);
    }
    expect(forFlow.every((r) => r.outcome === 'success')).toBe(true);
    // The edit names the record, not what it now holds.
    const edit = forFlow.find((r) => r.action === 'dead_letter.edit')!;
    expect(edit.resource_id).toBe(list[0]!.id);
    expect(JSON.stringify(edit.details)).not.toContain('"n"');
    expect(forFlow.find((r) => r.action === 'dead_letter.discard')!.details).toMatchObject({ count: 2, filter: { flowId: id, all: true } });
  });

  it('records ingest failures, one entry per source, address and minute however many bad requests come', async () => {
    const { id } = await deployFlow(t, evenFlow('flooded'));
    const before = (await rows('ingest.denied')).length;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => api(t.url, 'POST', `/api/flows/${id}/ingest`, [{ n: 2 }], { authorization: '', 'x-api-key': 'slk_wrong' }).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    // The first refusal of a window is written at once, the repeats as one summary row when it closes:
    // every request is counted, in far fewer rows than requests.
    const flood = await waitFor('every refusal counted', async () => {
      const found = (await rows('ingest.denied')).slice(before);
      const counted = found.reduce((sum, r) => sum + ((r.details as { repeated?: number }).repeated ?? 1), 0);
      return counted >= 30 ? found : undefined;
    }, 15_000);
    expect(flood.reduce((sum, r) => sum + ((r.details as { repeated?: number }).repeated ?? 1), 0)).toBe(30);
    expect(flood.length).toBeLessThanOrEqual(4);
    expect(flood.some((r) => ((r.details as { repeated?: number }).repeated ?? 0) > 1)).toBe(true);
    for (const row of flood) {
      expect(row).toMatchObject({ resource_type: 'flow', resource_id: id, outcome: 'failure', user_id: null });
      expect(row.details).toMatchObject({ source: 'in', auth: 'apiKey', reason: 'invalid_key' });
    }
    expect(JSON.stringify(flood)).not.toContain('slk_wrong');
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit log, even for the table owner', async () => {
    const count = (await rows()).length;
    expect(count).toBeGreaterThan(10);
    await expect(t.pool.query(`UPDATE audit_log SET outcome = 'success'`)).rejects.toThrow(/append-only/);
    await expect(t.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(t.pool.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await rows()).length).toBe(count);
  });

  it('serves the log to admins only, newest first, filtered, a page at a time', async () => {
    expect((await page('', `Bearer ${consumerToken}`)).status).toBe(403);
    const all = await page('?limit=500');
    expect(all.status).toBe(200);
    const ids = all.body.items.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    // Paging with the cursor walks the same rows without gaps or repeats. Entries written in the
    // background meanwhile (coalesced summaries) are newer: starting below them pins the snapshot.
    const top = String(Number(all.body.items[0]!.id) + 1);
    const walked: AuditEntry[] = [];
    let cursor: string | null = top;
    while (cursor !== null) {
      const next = await page(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(next.status).toBe(200);
      walked.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(walked.map((e) => e.id)).toEqual(all.body.items.map((e) => e.id));

    const failures = await page('?action=auth.login&outcome=failure');
    expect(failures.body.items.length).toBe(2);
    expect(failures.body.items.every((e) => e.action === 'auth.login' && e.outcome === 'failure')).toBe(true);
    const adminId = (await t.api<{ user: { id: string } }>('GET', '/api/auth/me')).body.user.id;
    const byUser = await page(`?user=${adminId}`);
    expect(byUser.body.items.length).toBeGreaterThan(5);
    expect(byUser.body.items.every((e) => e.userId === adminId)).toBe(true);
    const byActor = await page('?user=consumer%20ci');
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(byActor.body.items.every((e) => e.actor?.includes('consumer ci'))).toBe(true);
    const byResource = await page(`?resourceType=user&resourceId=${consumerId}`);
    expect(byResource.body.items.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'user.update']));
    const future = await page(`?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.body.items).toEqual([]);
    const past = await page(`?to=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}&from=2020-01-01T00:00:00Z&limit=500&cursor=${top}`);
    expect(past.body.items.length).toBe(all.body.items.length);

    const bad = await api<{ error: { message: string; details: { errors: { path: string }[] } } }>(t.url, 'GET', '/api/audit?outcome=maybe', undefined, { authorization: `Bearer ${t.token}` });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0]!.path).toBe('outcome');
    expect((await page('?cursor=abc')).status).toBe(400);
  });
});
