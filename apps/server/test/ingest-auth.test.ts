import { createHmac, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, SignJWT, type JWK } from 'jose';
import type { Graph, SourceApiKey } from '@sluice/shared';
import { api, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

/** The even-numbers flow with the webhook's `auth` set: odd records become dead letters, which we count. */
function flowWithAuth(name: string, auth: unknown): Graph {
  const graph = evenFlow(name);
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === 'in' ? { ...n, config: { auth } } : n)) };
}

const ODD = JSON.stringify([{ n: 1 }]);
const PASSWORD = 'a long enough password 1';

describe('authenticated ingest per source', () => {
  let t: TestSluice;

  async function send(flowId: string, headers: Record<string, string>, body = ODD) {
    return api<{ error?: { message: string; details?: { reason: string } } }>(t.url, 'POST', `/api/flows/${flowId}/ingest`, body, { 'content-type': 'application/json', ...headers });
  }
  /** Dead letters of a flow: one per odd record accepted. */
  async function accepted(flowId: string): Promise<number> {
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM dead_letters WHERE flow_id = $1', [flowId]);
    return rows[0].n as number;
  }
  /** Waits until the audit log holds an ingest refusal of the flow for each reason (they are written in the background). */
  async function expectRefusals(flowId: string, reasons: string[]) {
    const found = await waitFor(`refusals ${reasons.join(', ')} in the audit log`, async () => {
      const { rows } = await t.pool.query(`SELECT details FROM audit_log WHERE action = 'ingest.denied' AND resource_id = $1`, [flowId]);
      const seen = rows.map((r) => (r.details as { reason: string }).reason);
      return reasons.every((r) => seen.includes(r)) ? seen : undefined;
    });
    expect(found).toEqual(expect.arrayContaining(reasons));
  }

  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('makes API keys the default: several per source, shown once, stored hashed, revocable', async () => {
    const { id } = await deployFlow(t, evenFlow('keys'));
    const other = await deployFlow(t, evenFlow('other'));
    const keysPath = `/api/flows/${id}/sources/in/keys`;
    const first = await t.api<SourceApiKey & { key: string }>('POST', keysPath, { name: 'crm' });
    const second = await t.api<SourceApiKey & { key: string }>('POST', keysPath, { name: 'erp' });
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/^slk_/);
    expect(first.body.key.startsWith(first.body.prefix)).toBe(true);
    const otherKey = (await t.api<{ key: string }>('POST', `/api/flows/${other.id}/sources/in/keys`, { name: 'theirs' })).body.key;

    const listed = await t.api<SourceApiKey[]>('GET', keysPath);
    expect(listed.body.map((k) => k.name)).toEqual(['crm', 'erp']);
    expect(JSON.stringify(listed.body)).not.toContain(first.body.key);
    const { rows } = await t.pool.query('SELECT key_hash FROM source_api_keys WHERE flow_id = $1', [id]);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect([first.body.key, second.body.key]).not.toContain(row.key_hash);

    expect((await send(id, { 'x-api-key': first.body.key })).status).toBe(202);
    expect((await send(id, { 'x-api-key': second.body.key })).status).toBe(202);
    const none = await send(id, {});
    expect(none.status).toBe(401);
    expect(none.body.error!.message).toMatch(/X-API-Key/);
    expect((await send(id, { 'x-api-key': 'slk_not-a-key' })).status).toBe(401);
    expect((await send(id, { 'x-api-key': otherKey })).status).toBe(401);

    expect((await t.api('DELETE', `${keysPath}/${first.body.id}`)).status).toBe(204);
    const revoked = await send(id, { 'x-api-key': first.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error!.details!.reason).toBe('invalid_key');
    expect((await send(id, { 'x-api-key': second.body.key })).status).toBe(202);
    expect((await t.api<SourceApiKey[]>('GET', keysPath)).body.find((k) => k.id === first.body.id)!.revokedAt).not.toBeNull();

    // Only what was accepted became records: three requests of one odd record each.
    await waitFor('three dead letters', async () => ((await accepted(id)) === 3 ? true : undefined));
    await expectRefusals(id, ['missing_key', 'invalid_key']);
    // A key for a node that is not a webhook source, or a flow that does not exist: 404.
    expect((await t.api('POST', `/api/flows/${id}/sources/even/keys`, { name: 'x' })).status).toBe(404);
    expect((await t.api('POST', keysPath, { name: '' })).status).toBe(400);
  });

  it('keeps Sluice API tokens working on every auth type: the admin token, and a producer token granted the flow', async () => {
    const secret = 'a-shared-secret-of-32-characters';
    const { id } = await deployFlow(t, flowWithAuth('hmac-token', { type: 'hmac', secret }));
    expect((await send(id, { authorization: `Bearer ${t.token}` })).status).toBe(202);
    const producer = await t.api<{ id: string }>('POST', '/api/users', { email: 'producer@test.local', password: PASSWORD, role: 'data_producer', flowIds: [id] });
    expect(producer.status).toBe(201);
    const token = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'producer', role: 'data_producer', flowIds: [id] })).body.token;
    expect((await send(id, { authorization: `Bearer ${token}` })).status).toBe(202);
    expect((await send(id, { authorization: 'Bearer slc_not-a-token' })).status).toBe(401);
  });

  it('checks HMAC signatures over the timestamp and raw body, refusing old timestamps and replays', async () => {
    const secret = 'another-shared-secret-32-chars!!';
    const { id } = await deployFlow(t, flowWithAuth('hmac', { type: 'hmac', secret, header: 'X-Sluice-Signature', algorithm: 'sha512' }));
    const sign = (body: string, at: number, key = secret) => ({
      'x-sluice-signature': `sha512=${createHmac('sha512', key).update(`${at}.${body}`).digest('hex')}`,
      'x-timestamp': String(at),
    });
    const now = Math.floor(Date.now() / 1000);
    const good = sign(ODD, now);
    expect((await send(id, good)).status).toBe(202);
    const replay = await send(id, good);
    expect(replay.status).toBe(401);
    expect(replay.body.error!.details!.reason).toBe('replayed');
    const bad = await send(id, sign(ODD, now + 1, 'the-wrong-secret-of-32-characters'));
    expect(bad.status).toBe(401);
    expect(bad.body.error!.details!.reason).toBe('bad_signature');
    // Signed for one body, sent with another.
    expect((await send(id, sign(ODD, now + 2), JSON.stringify([{ n: 3 }]))).body.error!.details!.reason).toBe('bad_signature');
    const old = await send(id, sign(ODD, now - 600));
    expect(old.status).toBe(401);
    expect(old.body.error!.details!.reason).toBe('stale_timestamp');
    expect((await send(id, sign(ODD, now + 600))).status).toBe(401);
    expect((await send(id, {})).body.error!.message).toMatch(/x-sluice-signature/);
    expect((await send(id, sign(ODD, now + 3))).status).toBe(202);
    await waitFor('two dead letters', async () => ((await accepted(id)) === 2 ? true : undefined));
    await expectRefusals(id, ['replayed', 'bad_signature', 'stale_timestamp']);
  });

  it('takes the HMAC secret from the vault by reference; the flow keeps only the name', async () => {
    const secret = 'a-vault-held-hmac-secret-32-chars';
    expect((await t.api('PUT', '/api/secrets/orders-hmac', { value: secret })).status).toBe(201);
    const { id } = await deployFlow(t, flowWithAuth('hmac-vault', { type: 'hmac', secret: { $secret: 'orders-hmac' } }));
    const sign = (at: number, key = secret) => ({ 'x-signature': createHmac('sha256', key).update(`${at}.${ODD}`).digest('hex'), 'x-timestamp': String(at) });
    const now = Math.floor(Date.now() / 1000);
    expect((await send(id, sign(now))).status).toBe(202);
    const wrong = await send(id, sign(now + 1, 'orders-hmac'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error!.details!.reason).toBe('bad_signature');
    const stored = await t.api<{ graph: Graph }>('GET', `/api/flows/${id}`);
    expect(stored.body.graph.nodes.find((n) => n.id === 'in')!.config).toEqual({ auth: { type: 'hmac', secret: { $secret: 'orders-hmac' } } });
    expect(JSON.stringify(stored.body)).not.toContain(secret);
    // Replaced in the vault: the next request is checked with the new value.
    const next = 'the-next-vault-hmac-secret-32-chars';
    expect((await t.api('PUT', '/api/secrets/orders-hmac', { value: next })).status).toBe(200);
    expect((await send(id, sign(now + 2, next))).status).toBe(202);
    expect((await send(id, sign(now + 3, secret))).body.error!.details!.reason).toBe('bad_signature');
  });

  describe('JWT (OAuth 2 client credentials)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const issuer = 'https://idp.test.local/';
    const audience = 'sluice-orders';
    let jwks: http.Server;
    let jwksUrl: string;
    let jwksRequests = 0;

    const token = (claims: { iss?: string; aud?: string; exp?: number }, key = privateKey) =>
      new SignJWT({ scope: 'ingest' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(claims.iss ?? issuer)
        .setAudience(claims.aud ?? audience)
        .setSubject('orders-service')
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
        .sign(key);

    beforeAll(async () => {
      const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      jwks = http.createServer((_req, res) => {
        jwksRequests += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(async () => {
      await new Promise((resolve) => jwks?.close(resolve));
    });

    it('accepts tokens verified with a public key, and refuses expired, wrong audience, wrong issuer and foreign signatures', async () => {
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const { id } = await deployFlow(t, flowWithAuth('jwt-pem', { type: 'jwt', publicKey: pem, issuer, audience }));
      expect((await send(id, { authorization: `Bearer ${await token({})}` })).status).toBe(202);
      const cases: [string, string][] = [
        [await token({ exp: Math.floor(Date.now() / 1000) - 120 }), 'token_expired'],
        [await token({ aud: 'someone-else' }), 'wrong_audience'],
        [await token({ iss: 'https://evil.test.local/' }), 'wrong_issuer'],
        [await token({}, stranger.privateKey), 'bad_token_signature'],
        ['not.a.jwt', 'invalid_token'],
      ];
      for (const [jwt, reason] of cases) {
        const res = await send(id, { authorization: `Bearer ${jwt}` });
        expect(res.status, reason).toBe(401);
        expect(res.body.error!.details!.reason).toBe(reason);
      }
      const missing = await send(id, {});
      expect(missing.status).toBe(401);
      expect(missing.body.error!.message).toMatch(/Bearer/);
      await waitFor('one dead letter', async () => ((await accepted(id)) === 1 ? true : undefined));
      await expectRefusals(id, ['token_expired', 'wrong_audience', 'wrong_issuer']);
    });

    it('fetches the JWKS once and reuses it', async () => {
      const { id } = await deployFlow(t, flowWithAuth('jwt-jwks', { type: 'jwt', jwksUrl, issuer, audience }));
      for (let i = 0; i < 3; i++) expect((await send(id, { authorization: `Bearer ${await token({})}` })).status).toBe(202);
      expect(jwksRequests).toBe(1);
      expect((await send(id, { authorization: `Bearer ${await token({ aud: 'nope' })}` })).body.error!.details!.reason).toBe('wrong_audience');
      expect((await send(id, { authorization: `Bearer ${await token({}, stranger.privateKey)}` })).status).toBe(401);
    });

    it('answers 503 (not 401) when the identity provider cannot be reached', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const { id } = await deployFlow(t, flowWithAuth('jwt-down', { type: 'jwt', jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer, audience }));
      const res = await send(id, { authorization: `Bearer ${await token({})}` });
      expect(res.status).toBe(503);
      expect(res.body.error!.details!.reason).toBe('jwks_unavailable');
      expect(res.headers.get('retry-after')).toBe('30');
    });

    it('refuses a JWT config without exactly one of jwksUrl and publicKey', async () => {
      const created = await t.api<{ id: string }>('POST', '/api/flows', flowWithAuth('jwt-bad', { type: 'jwt', issuer, audience }));
      const deployed = await t.api<{ error: { details: { errors: { nodeId: string; path: string }[] } } }>('POST', `/api/flows/${created.body.id}/deploy`);
      expect(deployed.status).toBe(422);
      expect(deployed.body.error.details.errors[0]).toMatchObject({ nodeId: 'in', path: 'config.auth.jwksUrl' });
    });
  });

  it('lets only a system_admin deploy a webhook without auth, and then anyone may post', async () => {
    const designer = await t.api('POST', '/api/users', { email: 'designer@test.local', password: PASSWORD, role: 'flow_designer' });
    expect(designer.status).toBe(201);
    const designerToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'designer', role: 'flow_designer' })).body.token;
    const asDesigner = { authorization: `Bearer ${designerToken}` };
    const created = await api<{ id: string }>(t.url, 'POST', '/api/flows', flowWithAuth('open', { type: 'none' }), asDesigner);
    expect(created.status).toBe(201);
    const refused = await api<{ error: { message: string; details: { nodeIds: string[] } } }>(t.url, 'POST', `/api/flows/${created.body.id}/deploy`, undefined, asDesigner);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/only a system_admin/);
    expect(refused.body.error.details.nodeIds).toEqual(['in']);
    expect((await t.api('POST', `/api/flows/${created.body.id}/deploy`)).status).toBe(200);
    expect((await send(created.body.id, {})).status).toBe(202);
    const { rows } = await t.pool.query(`SELECT outcome FROM audit_log WHERE action = 'flow.deploy' AND resource_id = $1 ORDER BY id`, [created.body.id]);
    expect(rows.map((r) => r.outcome)).toEqual(['denied', 'success']);
  });

  it('refuses to deploy an mtls source when Sluice does not ask for client certificates', async () => {
    const created = await t.api<{ id: string }>('POST', '/api/flows', flowWithAuth('mtls-plain', { type: 'mtls', subject: 'CN=orders-producer' }));
    const deployed = await t.api<{ error: { message: string } }>('POST', `/api/flows/${created.body.id}/deploy`);
    expect(deployed.status).toBe(422);
    expect(deployed.body.error.message).toMatch(/SLUICE_TLS_CLIENT_CA/);
  });

  it('answers 401 alike for a flow that does not exist or is not deployed', async () => {
    expect((await send('00000000-0000-4000-8000-000000000000', { 'x-api-key': 'slk_x' })).status).toBe(401);
    const draft = await t.api<{ id: string }>('POST', '/api/flows', evenFlow('draft'));
    expect((await send(draft.body.id, { 'x-api-key': 'slk_x' })).status).toBe(401);
    expect((await send('not-a-uuid', {})).status).toBe(401);
  });
});
