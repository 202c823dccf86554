import { z } from 'zod';
import type { PullCapability, PullPage, SourceKey, SqlClient, WatermarkValue } from '../define.js';
import { laterWatermark, PullSettingsShape, rowToRecord, toWatermark } from './pull.js';

// The pull that source.postgres and source.mysql share: the analyst's query wrapped in keyset
// pagination on a key column (never OFFSET: page n costs the same as page 1), an optional watermark
// column for incremental runs, and a count query for the completeness check.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SqlDialect {
  quote(identifier: string): string;
  /** The placeholder for the n-th value (1-based). */
  param(n: number): string;
  /** `column IN (...)` / `= ANY(...)` for a list of values starting at placeholder n; returns SQL and values. */
  inList(column: string, values: SourceKey[], from: number): { sql: string; values: unknown[] };
}

export const postgresDialect: SqlDialect = {
  quote: (id) => `"${id}"`,
  param: (n) => `$${n}`,
  inList: (column, values, from) => ({ sql: `${column}::text = ANY($${from}::text[])`, values: [values.map(String)] }),
};

export const mysqlDialect: SqlDialect = {
  quote: (id) => `\`${id}\``,
  param: () => '?',
  inList: (column, values) => ({ sql: values.length === 0 ? 'FALSE' : `${column} IN (${values.map(() => '?').join(', ')})`, values }),
};

const column = (description: string) => z.string().max(64).regex(IDENTIFIER, 'a column name: letters, digits and _, not starting with a digit').describe(description);

/** Config fields of a SQL pull source, besides the connection. */
export const SqlPullShape = {
  query: z
    .string()
    .min(1)
    .max(20_000)
    .refine((q) => !/;\s*\S/.test(q), 'one statement only')
    .describe('The data set, as a SELECT. Sluice wraps it ("SELECT * FROM (<query>) q WHERE key > … ORDER BY key LIMIT …") to read it page by page, so it needs no ORDER BY or LIMIT of its own.'),
  keyColumn: column('Column that identifies a row, unique and sortable (the primary key): pages follow it (keyset pagination) and missing rows are named by it.'),
  watermarkColumn: column('Column whose last seen value is kept between runs (an updated_at, an increasing id): each run then reads only rows above it. Default: none, every run reads everything.').optional(),
  countQuery: z
    .string()
    .min(1)
    .max(20_000)
    .optional()
    .describe('A query returning one number, the records the data set should hold (e.g. from a control table); it receives the watermark as its first parameter when a watermark column is set. Default: a count over the query.'),
  keysQuery: z
    .string()
    .min(1)
    .max(20_000)
    .optional()
    .describe('A query whose first column lists every key the data set should hold, for naming missing rows. Default: the keys of the query.'),
  ...PullSettingsShape,
};

export interface SqlPullConfig {
  query: string;
  keyColumn: string;
  watermarkColumn?: string | undefined;
  countQuery?: string | undefined;
  keysQuery?: string | undefined;
}

/** Builds the pull of a SQL source on `client` (the server's pooled connection). */
export function sqlPull(config: SqlPullConfig, dialect: SqlDialect, client: () => SqlClient): Omit<PullCapability, 'settings'> {
  const key = `q.${dialect.quote(config.keyColumn)}`;
  const mark = config.watermarkColumn === undefined ? null : `q.${dialect.quote(config.watermarkColumn)}`;

  /** WHERE conditions and values for the watermark and keyset position, placeholders numbered from 1. */
  const where = (watermark: WatermarkValue | null, after: SourceKey | null) => {
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (mark && watermark !== null) {
      values.push(watermark);
      conditions.push(`${mark} > ${dialect.param(values.length)}`);
    }
    if (after !== null) {
      values.push(after);
      conditions.push(`${key} > ${dialect.param(values.length)}`);
    }
    return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, values };
  };

  const keyOf = (row: Record<string, unknown>): SourceKey => {
    const value = row[config.keyColumn];
    if (typeof value === 'number' || typeof value === 'string') return value;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Date) return value.toISOString();
    throw new Error(`the key column "${config.keyColumn}" is missing or not a number or text in a row of the query`);
  };

  const toPage = (rows: Record<string, unknown>[], cursor: unknown): PullPage => {
    let watermark: WatermarkValue | null = null;
    if (config.watermarkColumn !== undefined) for (const row of rows) watermark = laterWatermark(watermark, toWatermark(row[config.watermarkColumn]));
    return { records: rows.map(rowToRecord), keys: rows.map(keyOf), cursor, watermark };
  };

  return {
    async *pages(ctx) {
      let after = ctx.cursor === null || ctx.cursor === undefined ? null : (ctx.cursor as SourceKey);
      for (;;) {
        if (ctx.signal.aborted) return;
        const w = where(ctx.watermark, after);
        const { rows } = await client().query(
          `SELECT * FROM (${config.query}) q ${w.sql} ORDER BY ${key} LIMIT ${Math.trunc(ctx.pageSize)}`,
          w.values,
        );
        if (rows.length === 0) return;
        const last = keyOf(rows[rows.length - 1]!);
        const done = rows.length < ctx.pageSize;
        yield toPage(rows, done ? null : last);
        if (done) return;
        after = last;
      }
    },

    async count(ctx) {
      if (config.countQuery !== undefined) {
        const { rows } = await client().query(config.countQuery, mark ? [ctx.watermark] : []);
        const first = rows[0] ? Object.values(rows[0])[0] : undefined;
        const n = Number(first);
        if (!Number.isFinite(n)) throw new Error('the count query returned no number');
        return n;
      }
      const w = where(ctx.watermark, null);
      const { rows } = await client().query(`SELECT count(*) AS n FROM (${config.query}) q ${w.sql}`, w.values);
      return Number(rows[0]?.n ?? 0);
    },

    async *keys(ctx) {
      if (config.keysQuery !== undefined) {
        const { rows } = await client().query(config.keysQuery, []);
        for (let i = 0; i < rows.length; i += ctx.pageSize) {
          yield rows.slice(i, i + ctx.pageSize).map((r) => {
            const v = Object.values(r)[0];
            return typeof v === 'number' ? v : String(v);
          });
        }
        return;
      }
      let after: SourceKey | null = null;
      for (;;) {
        const w = where(ctx.watermark, after);
        const { rows } = await client().query(`SELECT ${key} AS k FROM (${config.query}) q ${w.sql} ORDER BY ${key} LIMIT ${Math.trunc(ctx.pageSize)}`, w.values);
        if (rows.length === 0) return;
        const keys = rows.map((r) => (typeof r.k === 'number' ? r.k : String(r.k)));
        yield keys;
        if (rows.length < ctx.pageSize) return;
        after = keys[keys.length - 1]!;
      }
    },

    async fetchKeys(keys) {
      const list = dialect.inList(key, keys, 1);
      const { rows } = await client().query(`SELECT * FROM (${config.query}) q WHERE ${list.sql} ORDER BY ${key}`, list.values);
      return toPage(rows, null);
    },
  };
}
