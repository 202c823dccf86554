import { describe, expect, it } from 'vitest';
import { httpSource, linkNext, retryAfterMs } from './http.js';
import { build, makeContext, thrown } from '../testing.js';

describe('source.http', () => {
  it('finds rel="next" in a Link header among other relations (RFC 8288)', () => {
    expect(linkNext('<https://api.example.com/items?page=3>; rel="next", <https://api.example.com/items?page=1>; rel="first"')).toBe('https://api.example.com/items?page=3');
    expect(linkNext('</items?page=1>; rel="prev first", </items?page=3>; rel=next')).toBe('/items?page=3');
    expect(linkNext('</items?page=1>; rel="first"')).toBeNull();
    expect(linkNext(null)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwoSeconds)).toBeGreaterThan(500);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('pages by cursor from the body until the API gives none, sending the watermark', async () => {
    const urls: string[] = [];
    const pages: Record<string, unknown> = {
      '': { data: [{ id: 1, at: 5 }, { id: 2, at: 9 }], next: 'b' },
      b: { data: [{ id: 3, at: 7 }], next: null },
    };
    const fetch = (async (url: string) => {
      urls.push(url);
      const cursor = new URL(url).searchParams.get('cursor') ?? '';
      return new Response(JSON.stringify(pages[cursor]), { status: 200, headers: { 'x-total-count': '3' } });
    }) as typeof globalThis.fetch;
    const runtime = build(httpSource, { url: 'https://api.example.com/items?kind=a', itemsPath: 'data', keyPath: 'id', pagination: { type: 'cursor', cursorPath: 'next' }, watermark: { field: 'at', param: 'since' } }, makeContext({ fetch }));
    if (runtime.kind !== 'source' || !runtime.pull) throw new Error('expected a pull source');
    const got = [];
    for await (const page of runtime.pull.pages({ cursor: null, watermark: 4, pageSize: 2, signal: new AbortController().signal })) got.push(page);
    expect(got.map((p) => ({ keys: p.keys, cursor: p.cursor, watermark: p.watermark, expected: p.expected }))).toEqual([
      { keys: [1, 2], cursor: { cursor: 'b' }, watermark: 9, expected: 3 },
      { keys: [3], cursor: null, watermark: 7, expected: null },
    ]);
    expect(urls).toEqual(['https://api.example.com/items?kind=a&since=4', 'https://api.example.com/items?kind=a&cursor=b&since=4']);
  });

  it('refuses a body on GET, a bad header name and a bad schedule, naming the field', () => {
    const err = thrown(() => httpSource.config.parse({ url: 'https://x.example', body: { a: 1 }, headers: { 'bad header': 'x' }, schedule: 'every day' })) as { issues: { path: (string | number)[] }[] };
    expect(err.issues.map((i) => i.path.join('.')).sort()).toEqual(['body', 'headers.bad header', 'schedule']);
  });
});
