// source.http against a local API on 127.0.0.1: every pagination style, a control total, Retry-After
// on 429 and 503, and the watermark sent as a query parameter.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph, Run } from '@sluice/shared';
import { createTestDatabase, testPool, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';

const TOTAL = 1234;
const items = Array.from({ length: TOTAL }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, updated: 1000 + i }));

interface Seen {
  path: string;
  query: URLSearchParams;
  at: number;
  status: number;
}

function startApi() {
  const seen: Seen[] = [];
  let throttle = { count: 0 };
  let flakyFailed = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      seen.push({ path: url.pathname, query: q, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    const since = Number(q.get('since') ?? '-1');
    const visible = items.filter((i) => i.updated > since);
    switch (url.pathname) {
      case '/offset': {
        const offset = Number(q.get('offset')), limit = Number(q.get('limit'));
        return answer(200, { data: visible.slice(offset, offset + limit), meta: { total: visible.length } });
      }
      case '/page': {
        const page = Number(q.get('page')), size = Number(q.get('per_page'));
        return answer(200, visible.slice((page - 1) * size, page * size), { 'x-total-count': String(visible.length) });
      }
      case '/cursor': {
        const from = Number(q.get('after') ?? '0'), limit = Number(q.get('limit'));
        const slice = visible.filter((i) => i.id > from).slice(0, limit);
        const last = slice[slice.length - 1];
        return answer(200, { items: slice, next: last && last.id < visible[visible.length - 1]!.id ? String(last.id) : null });
      }
      case '/link': {
        const start = Number(q.get('start') ?? '0'), size = Number(q.get('size'));
        const next = start + size < visible.length ? `</link?start=${start + size}&size=${size}>; rel="next", </link?start=0&size=${size}>; rel="first"` : `</link?start=0&size=${size}>; rel="first"`;
        return answer(200, visible.slice(start, start + size), { link: next });
      }
      case '/flaky': {
        // The third page fails once with a 500: the run tries that page again.
        const offset = Number(q.get('offset')), limit = Number(q.get('limit'));
        if (offset === 2 * limit && !flakyFailed) {
          flakyFailed = true;
          return answer(500, { error: 'oops' });
        }
        return answer(200, visible.slice(offset, offset + limit));
      }
      case '/throttled': {
        // Busy on the first request (429), then down for a moment (503), each with a Retry-After.
        throttle.count += 1;
        if (throttle.count === 1) return answer(429, { error: 'slow down' }, { 'retry-after': '1' });
        if (throttle.count === 3) return answer(503, { error: 'maintenance' }, { 'retry-after': '1' });
        const offset = Number(q.get('offset')), limit = Number(q.get('limit'));
        return answer(200, visible.slice(offset, offset + limit));
      }
    }
    answer(404, { error: 'no such endpoint' });
  });
  return {
    seen,
    resetThrottle: () => (throttle = { count: 0 }),
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('source.http runs', () => {
  let t: TestSluice;
  let sink: Awaited<ReturnType<typeof createTestDatabase>>;
  let sinkPool: pg.Pool;
  const api = startApi();
  let base: string;

  beforeAll(async () => {
    t = await startTestSluice();
    sink = await createTestDatabase('sluice_sink');
    sinkPool = testPool(sink.url, 2);
    base = await api.start();
  });
  afterAll(async () => {
    await t?.stop();
    await api.close();
    await sinkPool?.end();
    await sink?.drop();
  });

  const flow = (name: string, source: Record<string, unknown>, table: string): Graph & { settings: Record<string, unknown> } => ({
    name,
    nodes: [
      { id: 'api', type: 'source.http', config: source, position: { x: 0, y: 0 } },
      { id: 'out', type: 'sink.postgres', config: { connectionString: sink.url, table, columns: [{ name: 'id', type: 'integer' }, { name: 'name' }] }, position: { x: 300, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'api', sourcePort: 'out', target: 'out' }],
    settings: { chunkSize: 100, parallelism: 2 },
  });
  const run = async (flowId: string) => {
    const started = await t.api<Run>('POST', `/api/flows/${flowId}/runs`, {});
    expect(started.status).toBe(201);
    return waitFor('the run to finish', async () => {
      const r = (await t.api<Run>('GET', `/api/flows/${flowId}/runs/${started.body.id}`)).body;
      return r.status === 'running' ? undefined : r;
    });
  };
  const landed = async (table: string) => (await sinkPool.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${table}`)).rows[0];

  it.each([
    ['offset/limit', { url: '/offset', itemsPath: 'data', totalPath: 'meta.total', pagination: { type: 'offset' } }, 'h_offset'],
    ['page number', { url: '/page', pagination: { type: 'page' } }, 'h_page'],
    ['cursor from the body', { url: '/cursor', itemsPath: 'items', pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'after', limitParam: 'limit' } }, 'h_cursor'],
    ['Link: next header', { url: '/link', pagination: { type: 'link', limitParam: 'size' } }, 'h_link'],
  ] as const)('pages through %s, every record once', async (_, source, table) => {
    const f = await deployFlow(t, flow(table, { ...source, url: `${base}${source.url}`, keyPath: 'id' }, table));
    const before = api.seen.length;
    const r = await run(f.id);
    expect(r).toMatchObject({ status: 'succeeded', fetched: TOTAL, delivered: TOTAL, deadLettered: 0, pages: 13 });
    // Offset and page APIs gave a control total (body field, X-Total-Count); the others could not.
    if (table === 'h_offset' || table === 'h_page') expect(r).toMatchObject({ expected: TOTAL, missing: 0 });
    else expect(r.expected).toBeNull();
    expect(await landed(table)).toEqual({ n: TOTAL, ids: TOTAL });
    expect(api.seen.length - before).toBeGreaterThanOrEqual(13);
  });

  it('waits as Retry-After says on 429 and 503 instead of failing the run', async () => {
    api.resetThrottle();
    const f = await deployFlow(t, flow('throttled', { url: `${base}/throttled`, pagination: { type: 'offset' }, pageRetries: 0 }, 'h_throttled'));
    const r = await run(f.id);
    expect(r).toMatchObject({ status: 'succeeded', fetched: TOTAL, delivered: TOTAL });
    const calls = api.seen.filter((s) => s.path === '/throttled');
    expect(calls.slice(0, 4).map((c) => c.status)).toEqual([429, 200, 503, 200]);
    // Each retry came no sooner than the server asked (1 s).
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[3]!.at - calls[2]!.at).toBeGreaterThanOrEqual(950);
    expect(await landed('h_throttled')).toEqual({ n: TOTAL, ids: TOTAL });
  });

  it('tries a page that failed again from the last committed page, taking no record twice', async () => {
    const f = await deployFlow(t, flow('flaky', { url: `${base}/flaky`, pagination: { type: 'offset' }, pageRetries: 2 }, 'h_flaky'));
    const r = await run(f.id);
    expect(r).toMatchObject({ status: 'succeeded', fetched: TOTAL, delivered: TOTAL, pages: 13 });
    const calls = api.seen.filter((s) => s.path === '/flaky');
    expect(calls.map((c) => c.status).filter((s) => s === 500)).toHaveLength(1);
    expect(calls.filter((c) => c.query.get('offset') === '200').map((c) => c.status)).toEqual([500, 200]);
    expect(await landed('h_flaky')).toEqual({ n: TOTAL, ids: TOTAL });
  });

  it('sends the watermark of the last successful run as a query parameter', async () => {
    const f = await deployFlow(t, flow('incremental', { url: `${base}/page`, pagination: { type: 'page' }, watermark: { field: 'updated', param: 'since' } }, 'h_incremental'));
    const first = await run(f.id);
    expect(first).toMatchObject({ status: 'succeeded', fetched: TOTAL, watermarkFrom: null, watermarkTo: 1000 + TOTAL - 1 });
    items.push({ id: TOTAL + 1, name: 'new', updated: 5000 }, { id: TOTAL + 2, name: 'newer', updated: 5001 });
    const before = api.seen.length;
    const second = await run(f.id);
    expect(second).toMatchObject({ status: 'succeeded', expected: 2, fetched: 2, delivered: 2, watermarkFrom: 1000 + TOTAL - 1, watermarkTo: 5001 });
    expect(api.seen.slice(before).every((s) => s.query.get('since') === String(1000 + TOTAL - 1))).toBe(true);
    items.splice(TOTAL);
  });

  it('fails a run whose API keeps answering an error, naming the status', async () => {
    const f = await deployFlow(t, flow('missing', { url: `${base}/nowhere`, pageRetries: 1 }, 'h_missing'));
    const r = await run(f.id);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/answered 404 for \/nowhere/);
  });
});
