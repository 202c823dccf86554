import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { SinkOutcome } from '../define.js';
import { asSink, build, makeContext, makeRecord } from '../testing.js';
import { httpSink, parseRetryAfter } from './http.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server;
let base: string;
const received: Received[] = [];
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        case '/counted':
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          setTimeout(() => {
            inFlight--;
            res.writeHead(201).end();
          }, 30);
          return;
        case '/bad':
          res.writeHead(400, { 'content-type': 'text/plain' }).end('field "total" must be a number');
          return;
        case '/huge-error':
          res.writeHead(422, { 'content-type': 'text/plain' }).end('e'.repeat(100_000));
          return;
        case '/echo':
          res.writeHead(401, { 'content-type': 'text/plain' }).end(`rejected token ${req.headers.authorization}`);
          return;
        case '/rate':
          res.writeHead(429, { 'retry-after': '7' }).end('slow down');
          return;
        case '/unavailable':
          res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end();
          return;
        case '/error':
          res.writeHead(500).end('boom');
          return;
        case '/redirect':
          res.writeHead(302, { location: '/ok' }).end();
          return;
        case '/slow':
          setTimeout(() => res.writeHead(200).end(), 2000).unref();
          return;
        default:
          res.writeHead(404).end('no such path');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sink(config: Record<string, unknown>) {
  return asSink(build(httpSink, config, makeContext({ fetch: globalThis.fetch })));
}

function since(mark: number): Received[] {
  return received.slice(mark);
}

describe('sink.http', () => {
  it('sends one record per request with its id as Idempotency-Key', async () => {
    const mark = received.length;
    const records = [makeRecord({ order: 1 }), makeRecord({ order: 2 })];
    const outcomes = await sink({ url: `${base}/ok`, headers: { Authorization: 'Bearer s3cret', 'X-Tenant': 'acme' } }).deliver(records);

    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    const requests = since(mark).sort((a, b) => JSON.stringify(a.body).localeCompare(JSON.stringify(b.body)));
    expect(requests.map((r) => r.body)).toEqual([{ order: 1 }, { order: 2 }]);
    requests.forEach((request, i) => {
      expect(request.method).toBe('POST');
      expect(request.headers['idempotency-key']).toBe(records[i]!.id);
      expect(request.headers['x-correlation-id']).toBe(records[i]!.correlationId);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['authorization']).toBe('Bearer s3cret');
      expect(request.headers['x-tenant']).toBe('acme');
    });
  });

  it('sends batches as arrays, keyed by the hash of their ids', async () => {
    const mark = received.length;
    const records = [1, 2, 3, 4, 5].map((n) => makeRecord({ n }));
    const outcomes = await sink({ url: `${base}/ok`, method: 'PUT', batchSize: 2 }).deliver(records);

    expect(outcomes).toHaveLength(5);
    expect(outcomes.every((o) => o.status === 'delivered')).toBe(true);
    const requests = since(mark).sort((a, b) => String(a.headers['x-correlation-id']).localeCompare(String(b.headers['x-correlation-id'])));
    expect(requests).toHaveLength(3);
    const batches = [records.slice(0, 2), records.slice(2, 4), records.slice(4)];
    for (const batch of batches) {
      const request = since(mark).find((r) => r.headers['x-correlation-id'] === batch[0]!.correlationId)!;
      expect(request.method).toBe('PUT');
      expect(request.body).toEqual(batch.map((r) => ({ id: r.id, correlationId: r.correlationId, data: r.data })));
      const key = createHash('sha256').update(batch.map((r) => r.id).join(',')).digest('hex');
      expect(request.headers['idempotency-key']).toBe(key);
    }
  });

  it('keeps at most 8 requests in flight', async () => {
    maxInFlight = 0;
    const records = Array.from({ length: 40 }, (_, n) => makeRecord({ n }));
    const outcomes = await sink({ url: `${base}/counted` }).deliver(records);
    expect(outcomes.filter((o) => o.status === 'delivered')).toHaveLength(40);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(8);
  });

  it('a 400 is permanent, with the status, the body and a clear message', async () => {
    const [outcome] = await sink({ url: `${base}/bad?token=abc123` }).deliver([makeRecord({})]);
    expect(outcome).toEqual({
      status: 'permanent',
      error: { kind: 'permanent', status: 400, body: 'field "total" must be a number', message: `HTTP 400 from POST ${base}/bad` },
    });
  });

  it('keeps only the first 2 KB of an error body', async () => {
    const [outcome] = await sink({ url: `${base}/huge-error` }).deliver([makeRecord({})]);
    expect(outcome!.status).toBe('permanent');
    expect(outcome).toMatchObject({ error: { status: 422, body: 'e'.repeat(2048) } });
  });

  it('an unknown path (404) is permanent', async () => {
    const [outcome] = await sink({ url: `${base}/missing` }).deliver([makeRecord({})]);
    expect(outcome).toMatchObject({ status: 'permanent', error: { status: 404, body: 'no such path' } });
  });

  it('a 429 is transient, retrying after the Retry-After seconds', async () => {
    const [outcome] = await sink({ url: `${base}/rate` }).deliver([makeRecord({})]);
    expect(outcome).toMatchObject({ status: 'transient', retryAfterMs: 7000, error: { status: 429, message: `HTTP 429 from POST ${base}/rate` } });
  });

  it('a 503 is transient, retrying after the Retry-After date', async () => {
    const [outcome] = await sink({ url: `${base}/unavailable` }).deliver([makeRecord({})]);
    expect(outcome!.status).toBe('transient');
    const retryAfterMs = (outcome as Extract<SinkOutcome, { status: 'transient' }>).retryAfterMs!;
    // HTTP dates have whole seconds, and a moment passed on the way.
    expect(retryAfterMs).toBeGreaterThan(115_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('a 500 is transient, without a retry delay of its own', async () => {
    const [outcome] = await sink({ url: `${base}/error` }).deliver([makeRecord({})]);
    expect(outcome).toEqual({ status: 'transient', error: { kind: 'exhausted', status: 500, body: 'boom', message: `HTTP 500 from POST ${base}/error` } });
  });

  it('a response slower than timeoutMs is transient', async () => {
    const started = Date.now();
    const [outcome] = await sink({ url: `${base}/slow`, timeoutMs: 200 }).deliver([makeRecord({})]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outcome).toEqual({ status: 'transient', error: { kind: 'exhausted', cause: 'timeout', message: `POST ${base}/slow timed out after 200 ms` } });
  });

  it('a refused connection is transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [outcome] = await sink({ url: `http://127.0.0.1:${port}/x` }).deliver([makeRecord({})]);
    expect(outcome!.status).toBe('transient');
    expect(outcome).toMatchObject({ error: { cause: 'connection', message: expect.stringContaining('ECONNREFUSED') } });
  });

  it('does not follow redirects', async () => {
    const mark = received.length;
    const [outcome] = await sink({ url: `${base}/redirect` }).deliver([makeRecord({})]);
    expect(outcome).toMatchObject({ status: 'permanent', error: { status: 302 } });
    expect(since(mark).map((r) => r.url)).toEqual(['/redirect']);
  });

  it('never shows header values or the query string in its errors', async () => {
    const headers = { Authorization: 'Bearer s3cret' };
    const failed = [
      ...(await sink({ url: `${base}/bad?api_key=k3y`, headers }).deliver([makeRecord({})])),
      ...(await sink({ url: `${base}/echo`, headers }).deliver([makeRecord({})])),
      ...(await sink({ url: `${base}/error?api_key=k3y`, headers }).deliver([makeRecord({})])),
      ...(await sink({ url: 'http://127.0.0.1:1/x?api_key=k3y', headers }).deliver([makeRecord({})])),
    ];
    expect(failed.map((o) => o.status)).toEqual(['permanent', 'permanent', 'transient', 'transient']);
    expect(failed[1]).toMatchObject({ error: { status: 401, body: 'rejected token <hidden>' } });
    const text = JSON.stringify(failed);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('k3y');
  });

  it('rejects other schemes, reserved headers and header injection in the config', () => {
    const issues = (config: unknown) => httpSink.config.safeParse(config).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ url: 'ftp://example.com/x' })).toEqual(['url']);
    expect(issues({ url: 'https://user:hunter2@example.com/x' })).toEqual(['url']);
    expect(issues({ url: 'https://example.com', headers: { 'Idempotency-Key': 'x' } })).toEqual(['headers.Idempotency-Key']);
    expect(issues({ url: 'https://example.com', headers: { 'X-A': 'a\r\nX-B: b' } })).toEqual(['headers.X-A']);
    expect(issues({ url: 'https://example.com', batchSize: 1001 })).toEqual(['batchSize']);
    expect(httpSink.config.parse({ url: 'https://example.com' })).toEqual({
      url: 'https://example.com',
      method: 'POST',
      headers: {},
      batchSize: 1,
      timeoutMs: 10_000,
      retry: { strategy: 'exponential', maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
    });
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
