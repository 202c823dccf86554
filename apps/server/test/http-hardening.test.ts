// HTTP hardening against the real server: helmet headers with a CSP, no x-powered-by, HSTS only over
// TLS, CORS closed unless configured, and body limits (size, JSON depth, array length, flow size).
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders, MAX_JSON_DEPTH } from '../src/http/hardening.js';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

describe('HTTP hardening', () => {
  let t: TestSluice;
  let open: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
    open = await startTestSluice({ corsOrigins: ['https://console.example.com'] });
  });
  afterAll(async () => {
    await t?.stop();
    await open?.stop();
  });

  it('sends helmet headers with a strict script policy, and neither x-powered-by nor HSTS over plain HTTP', async () => {
    for (const path of ['/api/health', '/', '/flows/some-client-route']) {
      const res = await fetch(`${t.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.body?.cancel();
    }
  });

  it('sends HSTS (and upgrade-insecure-requests) when TLS is on', async () => {
    const app = express();
    app.use(securityHeaders({ tls: true }));
    app.get('/', (_req, res) => res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    } finally {
      server.close();
    }
  });

  it('keeps CORS closed by default: no allow-origin for any origin, preflight included', async () => {
    const get = await fetch(`${t.url}/api/flows`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${t.token}` } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/api/flows`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers only the origins SLUICE_CORS_ORIGINS lists', async () => {
    const allowed = await fetch(`${open.url}/api/flows`, { method: 'OPTIONS', headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${open.url}/api/flows`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bodies over 1 MB (413), nested too deep or with huge arrays (400 with the path), and oversized flows', async () => {
    const big = await t.api<{ error: { code: string } }>('POST', '/api/flows', JSON.stringify({ name: 'x'.repeat(1_100_000), nodes: [], edges: [] }), { 'content-type': 'application/json' });
    expect(big.status).toBe(413);

    let deep: unknown = 'bottom';
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { d: deep };
    const nested = await t.api<{ error: { message: string } }>('POST', '/api/flows', { name: 'deep', nodes: [{ id: 'in', type: 'source.webhook', config: deep }], edges: [] });
    expect(nested.status).toBe(400);
    expect(nested.body.error.message).toMatch(/^body\.nodes\[0\]\.config(\.d)+: nests deeper than 64 levels/);

    const wide = await t.api<{ error: { message: string } }>('POST', '/api/dry-run', { graph: { name: 'g', nodes: [], edges: [] }, records: new Array(10_001).fill(0) });
    expect(wide.status).toBe(400);
    expect(wide.body.error.message).toContain('body.records: has 10001 items');

    const nodes = Array.from({ length: 501 }, (_, i) => ({ id: `n${i}`, type: 'sink.log', config: {} }));
    const many = await t.api<{ error: { message: string } }>('POST', '/api/flows', { name: 'many', nodes, edges: [] });
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/^body\.nodes/);
  });

  it('answers ingest alike whether the server takes it before express or express does', async () => {
    const flow = await deployFlow(t, evenFlow('ingest paths'));
    // The exact path is served before express; a trailing slash and other letter case reach express's route.
    const spellings = [`/api/flows/${flow.id}/ingest`, `/api/flows/${flow.id}/ingest/`, `/API/flows/${flow.id.toUpperCase()}/ingest`];
    const post = (path: string, headers: Record<string, string>, body = '{"n":2}') =>
      fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const securityHeadersOf = (res: Response) =>
      Object.fromEntries(['content-security-policy', 'x-content-type-options', 'x-frame-options', 'cross-origin-opener-policy', 'referrer-policy', 'strict-transport-security', 'x-powered-by'].map((h) => [h, res.headers.get(h)]));
    const reference = await fetch(`${t.url}/api/health`);
    for (const path of spellings) {
      const accepted = await post(path, { authorization: `Bearer ${t.token}`, 'x-correlation-id': 'paths-1' });
      expect(accepted.status, path).toBe(202);
      expect(((await accepted.json()) as { accepted: number }).accepted).toBe(1);
      expect(securityHeadersOf(accepted), path).toEqual(securityHeadersOf(reference));
      expect(accepted.headers.get('x-correlation-id')).toBe('paths-1');
      expect(accepted.headers.get('content-type')).toBe('application/json; charset=utf-8');

      const anonymous = await post(path, {});
      expect(anonymous.status, path).toBe(401);
      expect(((await anonymous.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('missing_key');
      expect(securityHeadersOf(anonymous)).toEqual(securityHeadersOf(reference));

      const wrongType = await post(path, { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' }, 'n=2');
      expect(wrongType.status).toBe(415);
      await wrongType.body?.cancel();

      const badJson = await post(path, { authorization: `Bearer ${t.token}` }, '{"n":');
      expect(badJson.status).toBe(400);
      expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    }
    await reference.body?.cancel();
    // Every answer is counted once, whichever way it came: three 202s for the flow, three 401s, three 415s, three 400s.
    const counts = async () => {
      const { rows } = await t.pool.query<{ flow_key: string; status: number; count: number }>('SELECT flow_key, status, count FROM ingest_request_counts');
      return rows;
    };
    await waitFor('the ingest answers to be counted', async () => ((await counts()).some((r) => r.flow_key === flow.id && Number(r.count) === 3) ? true : undefined), 10_000);
    expect((await counts()).find((r) => r.flow_key === flow.id)).toMatchObject({ status: 202, count: 3 });
  });

  it('gives a cross-origin ingest the CORS answer of every other route', async () => {
    const flow = await deployFlow(open, evenFlow('cors ingest'));
    const res = await fetch(`${open.url}/api/flows/${flow.id}/ingest`, {
      method: 'POST',
      headers: { origin: 'https://console.example.com', 'content-type': 'application/json', authorization: `Bearer ${open.token}` },
      body: '{"n":4}',
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    const other = await fetch(`${open.url}/api/flows/${flow.id}/ingest`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${open.token}` },
      body: '{"n":4}',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await res.body?.cancel();
    await other.body?.cancel();
  });
});
