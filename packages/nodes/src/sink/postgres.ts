import { z } from 'zod';
import { MAX_CHUNK_SIZE, SECRET_REF_META } from '@sluice/shared';
import type { EngineRecord, RecordError } from '@sluice/shared';
import { defineNode, type SinkOutcome } from '../define.js';
import { dataPath, pathReader } from '../path.js';
import { RetryPolicySchema } from '../retry.js';
import { EgressRefusedError } from '../egress.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const COLUMN_TYPES = ['text', 'integer', 'bigint', 'numeric', 'boolean', 'timestamptz', 'jsonb'] as const;
/** A column source that stands for the whole record data rather than one field of it. */
const WHOLE_RECORD = '$';
/**
 * Most characters of row JSON sent in one statement (about 16 MB): a round of large records is
 * split into several statements rather than one parameter of hundreds of MB.
 */
export const POSTGRES_STATEMENT_CHARS = 16 * 2 ** 20;

const identifier = (description: string) =>
  z.string().max(63, 'Postgres identifiers are at most 63 characters').regex(IDENTIFIER, 'letters, digits and _, not starting with a digit').describe(description);

const PostgresConfigSchema = z
  .object({
    connectionString: z
      .string()
      .min(1)
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .meta(SECRET_REF_META)
      .describe('Where to write, e.g. postgresql://user:password@host:5432/db, or a vault secret holding it. Kept secret: never logged nor shown in errors.'),
    table: z
      .string()
      .max(127)
      .regex(TABLE_NAME, 'a table name, optionally schema-qualified ("sales.orders"): letters, digits and _')
      .describe('Table to write to, optionally schema-qualified ("sales.orders"). Names are used exactly as written (quoted), so case matters.'),
    createTable: z
      .boolean()
      .default(true)
      .describe('Create the table (CREATE TABLE IF NOT EXISTS, nullable columns, the key column as uuid primary key) before the first write. Default true. The schema must exist already.'),
    keyColumn: identifier('Column holding the record id, the uuid primary key that makes a redelivered record update or skip its row rather than add another. Default sluice_id.').default('sluice_id'),
    columns: z
      .array(
        z
          .object({
            name: identifier('Column name, used exactly as written (quoted).'),
            source: dataPath('Dotted path of the record field that fills the column.')
              .optional()
              .describe('Dotted path of the record field that fills the column, e.g. "customer.email"; "$" for the whole record data (into a jsonb column). Default: the column name. A missing field writes NULL.'),
            type: z.enum(COLUMN_TYPES).default('text').describe('Postgres type of the column. Values are converted by Postgres; one that does not fit (text into integer) dead-letters its record alone. Default text.'),
          })
          .describe('One column and where its value comes from.'),
      )
      .min(1)
      .max(500)
      .describe('The columns to fill, besides the key column.'),
    mode: z
      .enum(['insert', 'upsert'])
      .default('insert')
      .describe('insert (the default) keeps the row already written for a record id; upsert overwrites its columns with the new values.'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (lost connection, timeout, serialization failure, too many connections) is tried again. Default 5 attempts, exponential from 1 s.'),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>([config.keyColumn]);
    config.columns.forEach((column, i) => {
      if (seen.has(column.name)) {
        const message = column.name === config.keyColumn ? `"${column.name}" is the key column` : `column "${column.name}" is listed twice`;
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message });
      }
      seen.add(column.name);
    });
  });
type PostgresConfig = z.output<typeof PostgresConfigSchema>;

export const postgresSink = defineNode({
  type: 'sink.postgres',
  kind: 'sink',
  title: 'Postgres',
  summary: 'Writes records as rows of a Postgres table, keyed on the record id so a redelivery never adds a second row.',
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: PostgresConfigSchema,
  examples: [
    {
      title: 'Orders into a table',
      config: {
        connectionString: 'postgresql://sluice:secret@db.example.com:5432/warehouse',
        table: 'sales.orders',
        columns: [
          { name: 'order_id', source: 'id' },
          { name: 'email', source: 'customer.email' },
          { name: 'total', type: 'numeric' },
          { name: 'placed_at', source: 'placedAt', type: 'timestamptz' },
          { name: 'raw', source: '$', type: 'jsonb' },
        ],
        mode: 'upsert',
      },
    },
  ],
  create(config, ctx) {
    const client = ctx.postgres(config.connectionString);
    const sql = buildStatements(config);
    let tableReady: Promise<void> | undefined;
    // Once per runtime; forgotten on failure so the next delivery tries again.
    const ensureTable = () => {
      tableReady ??= client.query(sql.createTable).then(
        () => undefined,
        (err: unknown) => {
          // Two workers creating the same table at once: the loser sees a duplicate, which is fine.
          if (sqlState(err) === '42P07' || sqlState(err) === '23505') return;
          tableReady = undefined;
          throw err;
        },
      );
      return tableReady;
    };

    // A row is written as JSON text directly: an array of the key and the column values in column
    // order (no keys: a third of the bytes Postgres would parse), each value by JSON.stringify.
    const readers = config.columns.map((column) => {
      const source = column.source ?? column.name;
      return source === WHOLE_RECORD ? (data: unknown) => data : pathReader(source);
    });
    const rowText = (record: EngineRecord): string => {
      let text = `[${JSON.stringify(record.id)}`;
      for (let i = 0; i < readers.length; i++) text += `,${JSON.stringify(readers[i]!(record.data)) ?? 'null'}`;
      return `${text}]`;
    };
    // Rows travel as JSON texts, joined into one jsonb array parameter per statement. Most rows are
    // new, and a plain INSERT costs Postgres about a third less than ON CONFLICT's speculative
    // insertion; a key already there (a redelivery) fails the whole statement, which then runs again
    // with ON CONFLICT. The first wrote nothing: one statement is one transaction.
    const write = async (rowTexts: string[]) => {
      const rows = [`[${rowTexts.join(',')}]`];
      try {
        await client.query(sql.insertNew, rows);
      } catch (err) {
        if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
        await client.query(sql.insert, rows);
      }
    };

    /** Writes some rows in one statement; on a data error, one by one to find the bad ones. */
    const writeStatement = async (rowTexts: string[]): Promise<SinkOutcome[]> => {
      try {
        await write(rowTexts);
        return rowTexts.map(() => ({ status: 'delivered' }));
      } catch (err) {
        if (classify(err) !== 'data') {
          const outcome = failure(err, sql.target, config.connectionString);
          return rowTexts.map(() => outcome);
        }
      }
      // A value did not fit. Only this slow path after a failed statement makes a round trip per record.
      const outcomes: SinkOutcome[] = [];
      for (const text of rowTexts) {
        try {
          await write([text]);
          outcomes.push({ status: 'delivered' });
        } catch (err) {
          outcomes.push(failure(err, sql.target, config.connectionString));
        }
      }
      return outcomes;
    };

    return {
      kind: 'sink',
      retry: config.retry,
      // The largest chunk a flow may have: a chunk is one round, usually one statement.
      roundSize: MAX_CHUNK_SIZE,
      async deliver(records) {
        if (records.length === 0) return [];
        if (config.createTable) {
          try {
            await ensureTable();
          } catch (err) {
            const outcome = failure(err, sql.target, config.connectionString);
            return records.map(() => outcome);
          }
        }
        // One row per id: Postgres refuses to upsert the same key twice in one statement.
        const unique = uniqueById(records);
        const rowTexts = unique.map(rowText);
        const outcomeById = new Map<string, SinkOutcome>();
        for (const [from, to] of statementRanges(rowTexts, POSTGRES_STATEMENT_CHARS)) {
          const outcomes = await writeStatement(rowTexts.slice(from, to));
          outcomes.forEach((outcome, i) => outcomeById.set(unique[from + i]!.id, outcome));
        }
        return records.map((record) => outcomeById.get(record.id)!);
      },
    };
  },
});

/** Splits rows into consecutive [from, to) ranges of at most `maxChars` (a longer row goes alone). */
function statementRanges(rowTexts: string[], maxChars: number): [number, number][] {
  const ranges: [number, number][] = [];
  let from = 0;
  let chars = 0;
  rowTexts.forEach((text, i) => {
    if (i > from && chars + text.length + 1 > maxChars) {
      ranges.push([from, i]);
      from = i;
      chars = 0;
    }
    chars += text.length + 1;
  });
  if (from < rowTexts.length) ranges.push([from, rowTexts.length]);
  return ranges;
}

/** Quotes a name for SQL; the config already limits names to letters, digits and _, this is the second lock. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function buildStatements(config: PostgresConfig) {
  const table = config.table.split('.').map(quoteIdent).join('.');
  const key = quoteIdent(config.keyColumn);
  const columns = config.columns.map((c) => ({ name: quoteIdent(c.name), type: c.type }));
  const all = [key, ...columns.map((c) => c.name)];
  const conflict =
    config.mode === 'upsert' ? `DO UPDATE SET ${columns.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(', ')}` : 'DO NOTHING';
  // All rows travel as one jsonb parameter, an array of row arrays: one statement per delivery,
  // whatever the row count, and no value ever inside the SQL text. Postgres converts each value
  // from its text to its column's type (as jsonb_to_recordset would; JSON null is SQL NULL).
  const insertRows =
    `INSERT INTO ${table} (${all.join(', ')}) ` +
    `SELECT (r->>0)::uuid, ${columns.map((c, i) => columnValue(c.type, i + 1)).join(', ')} ` +
    `FROM jsonb_array_elements($1::jsonb) AS r`;
  return {
    target: `table ${config.table}`,
    createTable: `CREATE TABLE IF NOT EXISTS ${table} (${key} uuid PRIMARY KEY, ${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`,
    /** For rows not written before; fails on a key already there. */
    insertNew: insertRows,
    /** For any rows: a key already there keeps its row (insert) or takes the new values (upsert). */
    insert: `${insertRows} ON CONFLICT (${key}) ${conflict}`,
  };
}

/** The SQL for value `index` of a row array `r`, as the column's type. */
function columnValue(type: PostgresConfig['columns'][number]['type'], index: number): string {
  if (type === 'jsonb') return `nullif(r->${index}, 'null'::jsonb)`;
  return type === 'text' ? `r->>${index}` : `(r->>${index})::${type}`;
}

function uniqueById(records: EngineRecord[]): EngineRecord[] {
  const byId = new Map<string, EngineRecord>();
  for (const record of records) byId.set(record.id, record);
  return byId.size === records.length ? records : [...byId.values()];
}

const UNIQUE_VIOLATION = '23505';

function sqlState(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * transient: the database or the network, not the record (SQLSTATE classes 08 connection, 40
 * serialization/deadlock, 53 resources, 57P shutdown, 57014 statement timeout, 55000 when the
 * database is closed to new connections for a while; socket errors; errors without a code, like a
 * pool timing out). data: a value does not fit (class 22, 23). permanent:
 * the rest, mostly configuration (missing table or column, permissions, wrong password).
 */
function classify(err: unknown): 'transient' | 'data' | 'permanent' {
  // The server's egress guard refused the database's address: no retry can change that.
  if (err instanceof EgressRefusedError) return 'permanent';
  const code = sqlState(err);
  if (code === undefined || /^E[A-Z]+$/.test(code)) return 'transient';
  if (/^(08|40|53|57P)/.test(code) || code === '57014') return 'transient';
  if (code === '55000' && /not currently accepting connections/i.test(String((err as { message?: unknown }).message))) return 'transient';
  if (/^(22|23)/.test(code)) return 'data';
  return 'permanent';
}

function failure(err: unknown, target: string, connectionString: string): SinkOutcome {
  // pg's messages name the value or constraint; the connection string (with its password) is
  // removed all the same, in case a driver or network error ever quotes it.
  const message = `${target}: ${String((err as Error).message ?? err).replaceAll(connectionString, '<connection string>')}`;
  const code = sqlState(err);
  const error: RecordError = { kind: classify(err) === 'transient' ? 'exhausted' : 'permanent', message: code ? `${message} (SQLSTATE ${code})` : message };
  // Socket errors (no SQLSTATE, or a Node code like ECONNREFUSED) and class 08 are the connection; 57014 a statement timeout.
  if (code === undefined || /^E[A-Z]+$/.test(code) || code.startsWith('08') || code === '57P01') error.cause = 'connection';
  else if (code === '57014') error.cause = 'timeout';
  return classify(err) === 'transient' ? { status: 'transient', error } : { status: 'permanent', error };
}
