import { describe, expect, it } from 'vitest';
import type { SqlClient } from '../define.js';
import { build, makeContext } from '../testing.js';
import { postgresSource } from './postgres.js';
import { mysqlSource } from './mysql.js';

/** A fake database holding rows with ids 1..n; it records every statement and answers keyset queries. */
function fakeDb(n: number) {
  const statements: { text: string; values: unknown[] }[] = [];
  const client: SqlClient = {
    async query(text, values = []) {
      statements.push({ text, values });
      if (/count\(\*\)/i.test(text)) return { rows: [{ n: String(n) }], rowCount: 1 };
      const after = values.length > 0 ? Number(values[values.length - 1]) : 0;
      const limit = Number(/LIMIT (\d+)/.exec(text)?.[1] ?? n);
      const rows = [];
      for (let id = after + 1; id <= n && rows.length < limit; id++) rows.push({ id, updated: new Date(Date.UTC(2026, 0, id)) });
      return { rows, rowCount: rows.length };
    },
  };
  return { client, statements };
}

describe('source.postgres and source.mysql', () => {
  it('read page after page with keyset pagination, never OFFSET, and resume from a cursor', async () => {
    const db = fakeDb(5);
    const runtime = build(postgresSource, { connectionString: 'postgresql://r@db/x', query: 'SELECT * FROM orders', keyColumn: 'id', watermarkColumn: 'updated' }, makeContext({ postgres: () => db.client }));
    if (runtime.kind !== 'source' || !runtime.pull) throw new Error('expected a pull source');
    const signal = new AbortController().signal;
    const pages = [];
    for await (const page of runtime.pull.pages({ cursor: 1, watermark: '2025-12-31T00:00:00.000Z', pageSize: 2, signal })) pages.push(page);
    expect(pages.map((p) => ({ keys: p.keys, cursor: p.cursor, watermark: p.watermark }))).toEqual([
      { keys: [2, 3], cursor: 3, watermark: '2026-01-03T00:00:00.000Z' },
      { keys: [4, 5], cursor: 5, watermark: '2026-01-05T00:00:00.000Z' },
    ]);
    expect(db.statements[0]).toEqual({
      text: 'SELECT * FROM (SELECT * FROM orders) q WHERE q."updated" > $1 AND q."id" > $2 ORDER BY q."id" LIMIT 2',
      values: ['2025-12-31T00:00:00.000Z', 1],
    });
    expect(db.statements.every((s) => !/OFFSET/i.test(s.text))).toBe(true);
    // Records are JSON-ready: times as ISO text.
    expect(pages[0]!.records[0]).toEqual({ id: 2, updated: '2026-01-02T00:00:00.000Z' });
    expect(await runtime.pull.count!({ watermark: null, pageSize: 2, signal })).toBe(5);
  });

  it('quote MySQL identifiers with backticks and use ? placeholders', async () => {
    const db = fakeDb(1);
    const runtime = build(mysqlSource, { connectionString: 'mysql://r@db/x', query: 'SELECT * FROM products', keyColumn: 'sku' }, makeContext({ mysql: () => db.client }));
    if (runtime.kind !== 'source' || !runtime.pull) throw new Error('expected a pull source');
    await runtime.pull.fetchKeys!(['a', 'b'], { watermark: null, pageSize: 10, signal: new AbortController().signal });
    expect(db.statements[0]).toEqual({ text: 'SELECT * FROM (SELECT * FROM products) q WHERE q.`sku` IN (?, ?) ORDER BY q.`sku`', values: ['a', 'b'] });
  });

  it('refuses a second statement and a key column that is not a name', () => {
    const result = postgresSource.config.safeParse({ connectionString: 'postgresql://r@db/x', query: 'SELECT 1; DROP TABLE x', keyColumn: 'id; --' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['keyColumn', 'query']);
  });
});
