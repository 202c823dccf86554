import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { defineNode, type PullPage, type SourceKey, type WatermarkValue } from '../define.js';
import { compileExpression, type Expression } from '../jsonata.js';
import { dataPath, getPath, isPlainObject } from '../path.js';
import { checkPullSettings, laterWatermark, pullSettings, PullSettingsShape, toWatermark } from './pull.js';

// source.http: reads a JSON API page by page in runs. Pagination by offset/limit, page number, a
// cursor from the response, or the RFC 8288 (5988) `Link: <…>; rel="next"` header; 429 and 503 are
// waited out as the server's Retry-After says.

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const param = (description: string, fallback: string) => z.string().min(1).max(100).default(fallback).describe(description);

const PaginationSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('none').describe('One request returns everything.') }),
    z.object({
      type: z.literal('offset').describe('?offset=0&limit=<page size>, then offset += page size.'),
      offsetParam: param('Query parameter of the offset. Default offset.', 'offset'),
      limitParam: param('Query parameter of the page size. Default limit.', 'limit'),
    }),
    z.object({
      type: z.literal('page').describe('?page=1&per_page=<page size>, then the next page number.'),
      pageParam: param('Query parameter of the page number. Default page.', 'page'),
      sizeParam: param('Query parameter of the page size. Default per_page.', 'per_page'),
      firstPage: z.number().int().min(0).max(1).default(1).describe('Number of the first page (0 or 1). Default 1.'),
    }),
    z.object({
      type: z.literal('cursor').describe('The response names the next cursor; it is sent back as a query parameter until it is empty.'),
      cursorPath: z.string().min(1).max(2000).describe('JSONata expression giving the next cursor from the response body, e.g. "meta.next_cursor".'),
      cursorParam: param('Query parameter that carries the cursor. Default cursor.', 'cursor'),
      limitParam: z.string().min(1).max(100).optional().describe('Query parameter of the page size, when the API takes one. Default: none.'),
    }),
    z.object({ type: z.literal('link').describe('The next page is the URL of the `Link: <…>; rel="next"` response header (RFC 8288).'), limitParam: z.string().min(1).max(100).optional().describe('Query parameter of the page size on the first request, when the API takes one. Default: none.') }),
  ])
  .describe('How the API pages its results.');

const HttpSourceConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('The endpoint, e.g. https://api.example.com/v1/orders. Query parameters given here are kept.'),
    method: z.enum(['GET', 'POST']).default('GET').describe('HTTP method. Default GET.'),
    headers: z.record(z.string(), z.string().max(8000).meta(SECRET_REF_META)).default({}).describe('Request headers, e.g. an Authorization token. Their values are never logged nor shown in errors. Default none.'),
    body: z.unknown().optional().describe('JSON body sent with POST. Default none.'),
    itemsPath: z.string().min(1).max(2000).optional().describe('JSONata expression giving the array of records from the response body, e.g. "data.items". Default: the body itself (an array).'),
    totalPath: z.string().min(1).max(2000).optional().describe('JSONata expression giving the total number of records (a control total) from the first response; else the X-Total-Count header is used when present. Default none.'),
    keyPath: dataPath('Dotted path of the field that identifies a record, e.g. "id": it names the records of each page. Default none.').optional(),
    pagination: PaginationSchema.default({ type: 'none' }),
    watermark: z
      .object({
        field: dataPath('Dotted path of the record field whose highest value is kept between runs, e.g. "updated_at".'),
        param: z.string().min(1).max(100).describe('Query parameter that sends the last watermark, e.g. "updated_since".'),
      })
      .optional()
      .describe('Incremental runs: each run asks only for records above the watermark of the last successful run. Default none.'),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000).describe('How long to wait for a response, in ms. Default 30000.'),
    maxRetryAfterSeconds: z.number().int().min(0).max(3600).default(120).describe('Longest Retry-After (on 429 or 503) waited out before the page counts as failed, in seconds. Default 120.'),
    ...PullSettingsShape,
  })
  .superRefine((config, ctx) => {
    for (const name of Object.keys(config.headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `"${name}" is not a valid header name` });
    }
    if (config.body !== undefined && config.method === 'GET') ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body; use POST' });
    checkPullSettings(config, ctx);
  });
type HttpSourceConfig = z.output<typeof HttpSourceConfigSchema>;

/** Where the next request goes: the state a run keeps between pages. */
type Position = { url?: string; offset?: number; page?: number; cursor?: string };

export const httpSource = defineNode({
  type: 'source.http',
  kind: 'source',
  title: 'HTTP API',
  summary: 'Reads records from a JSON API page by page (offset, page number, cursor or Link header) in runs started by hand or on a schedule.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: HttpSourceConfigSchema,
  examples: [
    { title: 'Orders, 100 at a time by offset', config: { url: 'https://api.example.com/v1/orders', itemsPath: 'data', keyPath: 'id', pagination: { type: 'offset' } } },
    {
      title: 'Changed tickets by cursor, hourly',
      config: {
        url: 'https://api.example.com/tickets',
        headers: { Authorization: 'Bearer <token>' },
        itemsPath: 'tickets',
        pagination: { type: 'cursor', cursorPath: 'meta.next' },
        watermark: { field: 'updated_at', param: 'updated_since' },
        schedule: '0 * * * *',
      },
    },
  ],
  create(config, ctx) {
    const items = config.itemsPath === undefined ? null : compileExpression(config.itemsPath, 'itemsPath');
    const total = config.totalPath === undefined ? null : compileExpression(config.totalPath, 'totalPath');
    const nextCursor = config.pagination.type === 'cursor' ? compileExpression(config.pagination.cursorPath, 'pagination.cursorPath') : null;
    return {
      kind: 'source',
      check: () => [],
      pull: {
        settings: pullSettings(config),
        async *pages(pullCtx) {
          let position: Position = (pullCtx.cursor as Position | null) ?? {};
          for (let first = true; ; first = false) {
            if (pullCtx.signal.aborted) return;
            const url = requestUrl(config, position, pullCtx.pageSize, pullCtx.watermark);
            const response = await request(config, url, ctx.fetch, pullCtx.signal);
            const body: unknown = await response.json().catch((err: unknown) => {
              throw new Error(`the API answered with a body that is not JSON: ${(err as Error).message}`);
            });
            const records = await recordsOf(items, body);
            let expected: number | null = null;
            if (first && position.url === undefined && position.offset === undefined && position.page === undefined && position.cursor === undefined) {
              expected = total ? toCount(await total.evaluate(body)) : toCount(response.headers.get('x-total-count'));
            }
            const next = await nextPosition(config, nextCursor, position, response, body, records.length, pullCtx.pageSize);
            let watermark: WatermarkValue | null = null;
            if (config.watermark) for (const r of records) watermark = laterWatermark(watermark, toWatermark(getPath(r, config.watermark.field)));
            const page: PullPage = { records, cursor: next, watermark, expected };
            if (config.keyPath !== undefined) page.keys = records.map((r) => keyOf(getPath(r, config.keyPath!)));
            if (records.length > 0 || first) yield page;
            if (next === null) return;
            position = next;
          }
        },
      },
    };
  },
});

function keyOf(value: unknown): SourceKey {
  return typeof value === 'number' ? value : String(value);
}

function toCount(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

function requestUrl(config: HttpSourceConfig, position: Position, pageSize: number, watermark: WatermarkValue | null): string {
  if (position.url !== undefined) return position.url; // a Link header's next URL is used as given
  const url = new URL(config.url);
  const p = config.pagination;
  if (p.type === 'offset') {
    url.searchParams.set(p.offsetParam, String(position.offset ?? 0));
    url.searchParams.set(p.limitParam, String(pageSize));
  } else if (p.type === 'page') {
    url.searchParams.set(p.pageParam, String(position.page ?? p.firstPage));
    url.searchParams.set(p.sizeParam, String(pageSize));
  } else if (p.type === 'cursor') {
    if (position.cursor !== undefined) url.searchParams.set(p.cursorParam, position.cursor);
    if (p.limitParam) url.searchParams.set(p.limitParam, String(pageSize));
  } else if (p.type === 'link' && p.limitParam) {
    url.searchParams.set(p.limitParam, String(pageSize));
  }
  if (config.watermark && watermark !== null) url.searchParams.set(config.watermark.param, String(watermark));
  return url.toString();
}

/** One request; 429 and 503 are waited out as Retry-After says (up to maxRetryAfterSeconds in all). */
async function request(config: HttpSourceConfig, url: string, fetchFn: typeof fetch, signal: AbortSignal): Promise<Response> {
  let waited = 0;
  for (;;) {
    const response = await fetchFn(url, {
      method: config.method,
      headers: { accept: 'application/json', ...(config.body !== undefined ? { 'content-type': 'application/json' } : {}), ...config.headers },
      body: config.body === undefined ? undefined : JSON.stringify(config.body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]),
    });
    if (response.ok) return response;
    await response.body?.cancel();
    if (response.status === 429 || response.status === 503) {
      const delay = retryAfterMs(response.headers.get('retry-after')) ?? 1000;
      if (waited + delay <= config.maxRetryAfterSeconds * 1000 && !signal.aborted) {
        waited += delay;
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
    }
    // The URL may carry a token in its query: name the status and the path only.
    throw new Error(`the API answered ${response.status} for ${new URL(url).pathname}`);
  }
}

/** Retry-After as seconds or an HTTP date, in ms. */
export function retryAfterMs(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

async function recordsOf(items: Expression | null, body: unknown): Promise<Record<string, unknown>[]> {
  const value = items ? await items.evaluate(body) : body;
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (isPlainObject(item) ? item : { value: item }));
}

async function nextPosition(
  config: HttpSourceConfig,
  nextCursor: Expression | null,
  position: Position,
  response: Response,
  body: unknown,
  count: number,
  pageSize: number,
): Promise<Position | null> {
  const p = config.pagination;
  switch (p.type) {
    case 'none':
      return null;
    case 'offset':
      return count < pageSize ? null : { offset: (position.offset ?? 0) + count };
    case 'page':
      return count < pageSize ? null : { page: (position.page ?? p.firstPage) + 1 };
    case 'cursor': {
      const next = await nextCursor!.evaluate(body);
      if (next === undefined || next === null || next === '' || count === 0) return null;
      return { cursor: String(next) };
    }
    case 'link': {
      const next = linkNext(response.headers.get('link'));
      return next === null ? null : { url: new URL(next, response.url || config.url).toString() };
    }
  }
}

/** The target of rel="next" in a Link header (RFC 8288), or null. */
export function linkNext(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2]!);
    if (rel && rel[1]!.split(/\s+/).some((r) => r.toLowerCase() === 'next')) return match[1]!;
  }
  return null;
}

