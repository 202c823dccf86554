// Property tests of ingest (issue #4, chaos): any byte string under any content type is either
// accepted as records or refused with a 4xx — never a 5xx, never a crash — and what was accepted is
// exactly what sits in the chunks table.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type Graph } from '@sluice/shared';
import { parseIngestBody } from '../src/ingest/parse-body.js';
import { adminToken, api, createTestDatabase, TEST_ADMIN, waitFor } from './harness.js';

/** Generated runs of the unit properties (FC_RUNS overrides; FC_SEED replays a run). */
const UNIT_RUNS = Number(process.env.FC_RUNS ?? 1000);
/** Bodies posted to the real server. */
const POSTS = 150;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
/** The server in the integration test refuses bodies above this, so the oversized ones stay cheap. */
const LIMIT_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// What to send: each generator names its kind, so a failure says which kind of body broke it.

interface Body {
  kind: string;
  /** The bytes on the wire (compressed when `encoding` is set). */
  bytes: Buffer;
  /** The bytes before content-encoding: what the parser sees. */
  plain: Buffer;
  contentType: string | undefined;
  encoding?: string;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=utf-16'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-ndjson; charset=utf-8'];
const OTHER_TYPES = ['text/plain', 'text/csv', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonx', 'json', ''];
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 3, arbitrary: fc.constantFrom(...NDJSON_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(...OTHER_TYPES, undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const jsonType = fc.constantFrom(...JSON_TYPES);
const ndjsonType = fc.constantFrom(...NDJSON_TYPES);

const text = (kind: string, s: string, type: string | undefined): Body => ({ kind, bytes: Buffer.from(s, 'utf8'), plain: Buffer.from(s, 'utf8'), contentType: type });

/** Objects with awkward content: unicode (lone surrogates and NUL included), odd keys, big and tiny numbers. */
const awkwardString = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff', '😀', '\ufeff', '__proto__', 'constructor'));
const awkwardNumber = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1e308, -1e-320, Number.MAX_SAFE_INTEGER + 2));
const leaf = fc.oneof(awkwardString, awkwardNumber, fc.boolean(), fc.constant(null));
const record = fc.dictionary(awkwardString, fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(awkwardString, leaf, { maxKeys: 3 })), { maxKeys: 6 });
const plainRecord = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });

const generators: Record<string, fc.Arbitrary<Body>> = {
  'random bytes': fc.tuple(fc.uint8Array({ maxLength: 600 }), contentType).map(([b, type]) => ({ kind: 'random bytes', bytes: Buffer.from(b), plain: Buffer.from(b), contentType: type })),
  'random text': fc.tuple(fc.string({ unit: 'grapheme', maxLength: 200 }), contentType).map(([s, type]) => text('random text', s, type)),
  'valid records': fc.tuple(fc.oneof(plainRecord, fc.array(plainRecord, { minLength: 1, maxLength: 20 })), jsonType).map(([v, type]) => text('valid records', JSON.stringify(v), type)),
  'any JSON value': fc.tuple(fc.jsonValue({ maxDepth: 3 }), jsonType).map(([v, type]) => text('any JSON value', JSON.stringify(v), type)),
  'awkward records': fc.tuple(fc.array(record, { minLength: 1, maxLength: 5 }), jsonType).map(([v, type]) => text('awkward records', JSON.stringify(v), type)),
  'truncated JSON': fc
    .tuple(fc.array(plainRecord, { minLength: 1, maxLength: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(jsonType, ndjsonType))
    .map(([v, cut, type]) => {
      const whole = type.includes('json') && !type.includes('nd') && !type.includes('jsonl') ? JSON.stringify(v) : v.map((r) => JSON.stringify(r)).join('\n');
      return text('truncated JSON', whole.slice(0, Math.floor(whole.length * cut)), type);
    }),
  'deep nesting': fc
    .tuple(fc.constantFrom(10, 100, 1000, 3000, 5000, 20_000, 100_000), fc.constantFrom('[', '{"k":'), fc.boolean(), jsonType)
    .map(([depth, open, wrapped, type]) => {
      const close = open === '[' ? ']' : '}';
      const nested = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
      return text('deep nesting', wrapped ? `{"deep":${nested}}` : `[${nested}]`, type);
    }),
  'huge numbers': fc
    .tuple(fc.constantFrom('1e400', '-1e400', '1e-400', '123456789012345678901234567890', '1' + '0'.repeat(5000), '0.' + '0'.repeat(400) + '1', '-0', '1E+308', '9007199254740993'), jsonType)
    .map(([n, type]) => text('huge numbers', `{"n":${n},"list":[${n},${n}]}`, type)),
  'NDJSON with bad lines': fc
    .tuple(
      fc.array(fc.oneof(plainRecord.map((r) => JSON.stringify(r)), fc.constantFrom('', '   ', '{', 'null', '[1,2]', '"text"', '{"a":1}{"b":2}', '\r', '{"a":1}\r'), fc.string({ maxLength: 10 })), { maxLength: 12 }),
      ndjsonType,
      fc.constantFrom('\n', '\r\n'),
    )
    .map(([lines, type, eol]) => text('NDJSON with bad lines', lines.join(eol), type)),
  'wrong content type': fc.tuple(fc.array(plainRecord, { minLength: 1, maxLength: 3 }), fc.constantFrom<string | undefined>(...OTHER_TYPES, undefined)).map(([v, type]) => text('wrong content type', JSON.stringify(v), type)),
  empty: fc.tuple(fc.constantFrom('', ' ', '\n\n', '\ufeff', '[]', '{}', '[{}]'), fc.oneof(jsonType, ndjsonType)).map(([s, type]) => text('empty', s, type)),
  'byte order mark and bad UTF-8': fc
    .tuple(fc.array(plainRecord, { minLength: 1, maxLength: 3 }), fc.constantFrom(Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])), fc.boolean(), jsonType)
    .map(([v, bytes, prefix, type]) => {
      const json = Buffer.from(JSON.stringify(v));
      // Prefixed, or spliced into the first string value, where a decoder meets it mid-record.
      const at = json.indexOf('"') + 1;
      const b = prefix || at === 0 ? Buffer.concat([bytes, json]) : Buffer.concat([json.subarray(0, at), bytes, json.subarray(at)]);
      return { kind: 'byte order mark and bad UTF-8', bytes: b, plain: b, contentType: type };
    }),
};

/** Only over HTTP: compressed bodies, bogus encodings and bodies over the limit. */
const httpOnlyGenerators: Record<string, fc.Arbitrary<Body>> = {
  'content-encoding': fc
    .tuple(fc.array(plainRecord, { minLength: 1, maxLength: 5 }), fc.constantFrom('gzip', 'gzip-garbage', 'compress', 'identity', 'br-garbage'), jsonType)
    .map(([v, encoding, type]) => {
      const plain = Buffer.from(JSON.stringify(v));
      if (encoding === 'gzip') return { kind: 'content-encoding', bytes: gzipSync(plain), plain, contentType: type, encoding };
      if (encoding === 'gzip-garbage') return { kind: 'content-encoding', bytes: plain, plain, contentType: type, encoding: 'gzip' };
      if (encoding === 'br-garbage') return { kind: 'content-encoding', bytes: plain, plain, contentType: type, encoding: 'br' };
      return { kind: 'content-encoding', bytes: plain, plain, contentType: type, encoding };
    }),
  oversized: fc.tuple(fc.constantFrom(LIMIT_BYTES + 1, 2 * LIMIT_BYTES), fc.boolean(), jsonType).map(([size, zipped, type]) => {
    const plain = Buffer.from(JSON.stringify([{ pad: 'x'.repeat(size) }]));
    // A small gzip that inflates past the limit: the limit must hold for the inflated size.
    return zipped ? { kind: 'oversized', bytes: gzipSync(plain), plain, contentType: type, encoding: 'gzip' } : { kind: 'oversized', bytes: plain, plain, contentType: type };
  }),
};

const anyBody = fc.oneof(...Object.values(generators));

// ---------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Strings Postgres jsonb cannot hold: NUL, and UTF-16 surrogates that are not paired. */
function unstorableString(value: unknown, depth = 0): string | null {
  if (depth > 200) return null; // deeper than this, serialising is the problem; see the other check
  if (typeof value === 'string') return /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value) ? JSON.stringify(value).slice(0, 40) : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [k, v] of Object.entries(value)) {
    const bad = unstorableString(k, depth + 1) ?? unstorableString(v, depth + 1);
    if (bad) return bad;
  }
  return null;
}

describe('parseIngestBody on any bytes (property)', () => {
  it('returns plain objects or throws an AppError with a 4xx status, nothing else', () => {
    const arbitrary = fc.oneof(anyBody, fc.tuple(fc.uint8Array({ maxLength: 300 }), contentType).map(([b, type]) => ({ kind: 'bytes', plain: Buffer.from(b), contentType: type })));
    fc.assert(
      fc.property(arbitrary, ({ plain, contentType: type }) => {
        let records: unknown;
        try {
          records = parseIngestBody(plain, type);
        } catch (err) {
          expect(err, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`).toBeInstanceOf(AppError);
          const status = (err as AppError).status;
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
          return;
        }
        expect(Array.isArray(records)).toBe(true);
        expect((records as unknown[]).length).toBeGreaterThan(0);
        for (const r of records as unknown[]) expect(isPlainObject(r)).toBe(true);
      }),
      { numRuns: UNIT_RUNS, seed: SEED },
    );
  });

  // Ingest writes what the parser accepts as jsonb: accepting a record that JSON.stringify cannot
  // serialise (nesting past the stack) or that jsonb refuses (NUL, lone surrogates) turns a bad body
  // into a 5xx — or worse — downstream. The parser is where a 400 naming the place can still be given.
  it('accepts only records that can be stored: they serialise, and hold no string jsonb refuses', () => {
    fc.assert(
      fc.property(fc.oneof(generators['deep nesting']!, generators['awkward records']!, generators['valid records']!), ({ plain, contentType: type }) => {
        let records: Record<string, unknown>[];
        try {
          records = parseIngestBody(plain, type);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          return;
        }
        expect(() => JSON.stringify(records), 'accepted records must serialise').not.toThrow();
        expect(unstorableString(records), 'accepted records must hold no string that jsonb refuses').toBeNull();
      }),
      { numRuns: Math.min(UNIT_RUNS, 300), seed: SEED },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The same bodies against a real server process: a crash shows as a dead process, not a hung test.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface ServerProcess {
  child: ChildProcess;
  url: string;
  log: string[];
  stderr: string[];
  /** The kind of the last body sent to it, to say which one killed it. */
  lastKind?: string;
}

async function startServerProcess(databaseUrl: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--role=server'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      SLUICE_INGEST_LIMIT_BYTES: String(LIMIT_BYTES),
      SLUICE_ADMIN_EMAIL: TEST_ADMIN.email,
      SLUICE_ADMIN_PASSWORD: TEST_ADMIN.password,
      SLUICE_DATA_DIR: '/tmp/sluice-test-unused',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const stderr: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log.join('')}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      log.push(d.toString());
      const m = /"url":"(http:[^"]+)".*sluice is serving/.exec(log.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      log.push(d.toString());
      stderr.push(d.toString());
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) while starting:\n${log.join('')}`));
    });
  });
  return { child, url, log, stderr };
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

interface Answer {
  body: Body;
  status: number | 'no answer';
  detail: string;
  ids: string[];
}

describe('ingest over HTTP on generated bodies (property)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess | null = null;
  let flowId: string;
  const crashes: string[] = [];
  let pool: pg.Pool;
  /** The admin's API token: every call sends it. */
  let auth: Record<string, string>;

  /** The server, restarted when a body killed it, so that every later body is still tried. */
  async function liveServer(): Promise<ServerProcess> {
    if (server && server.child.exitCode === null && server.child.signalCode === null) return server;
    if (server) crashes.push(`exit ${server.child.exitCode ?? server.child.signalCode} after a ${server.lastKind} body: ${server.stderr.join('').trim().split('\n').slice(0, 3).join(' | ').slice(0, 400)}`);
    server = await startServerProcess(db.url);
    return server;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => {});
    const s = await liveServer();
    auth = { authorization: `Bearer ${await adminToken(s.url)}` };
    const graph: Graph = {
      name: 'ingest property',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
        { id: 'log', type: 'sink.log', config: { includeData: false }, position: { x: 200, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'log' }],
    };
    const created = await api<{ id: string }>(s.url, 'POST', '/api/flows', graph, auth);
    flowId = created.body.id;
    const deployed = await api(s.url, 'POST', `/api/flows/${flowId}/deploy`, undefined, auth);
    expect(deployed.status).toBe(200);
  });

  afterAll(async () => {
    if (server) await stopProcess(server.child);
    await pool?.end().catch(() => {});
    await db?.drop();
  });

  it('answers every body 202 or 4xx, never 5xx nor a dropped connection, and keeps exactly the 202 records', async () => {
    // Every kind gets its share, so a rare kind is never left out of a run.
    const kinds = { ...generators, ...httpOnlyGenerators };
    const perKind = Math.ceil(POSTS / Object.keys(kinds).length);
    const bodies = Object.values(kinds).flatMap((g) => fc.sample(g, { numRuns: perKind, seed: SEED })).slice(0, POSTS);
    expect(bodies.length).toBe(POSTS);

    // Chunks written before this test (by the other tests of this file, in whatever order they ran) are not its business.
    const before = Number((await pool.query<{ n: string }>('SELECT coalesce(max(id), 0) AS n FROM chunks')).rows[0]!.n);
    const answers: Answer[] = [];
    for (const body of bodies) {
      const s = await liveServer();
      s.lastKind = body.kind;
      const headers: Record<string, string> = { ...auth };
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      if (body.encoding) headers['content-encoding'] = body.encoding;
      try {
        const res = await fetch(`${s.url}/api/flows/${flowId}/ingest`, { method: 'POST', headers, body: body.bytes, signal: AbortSignal.timeout(15_000) });
        const textBody = await res.text();
        let parsed: { ids?: string[]; accepted?: number; error?: { message?: string } } = {};
        try {
          parsed = JSON.parse(textBody);
        } catch {
          // keep {}
        }
        answers.push({ body, status: res.status, detail: parsed.error?.message?.slice(0, 160) ?? textBody.slice(0, 160), ids: res.status === 202 ? (parsed.ids ?? []) : [] });
        if (res.status === 202) expect(parsed.accepted).toBe(parsed.ids?.length);
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        answers.push({ body, status: 'no answer', detail: `${(err as Error).message}${cause ? ` (${cause.message})` : ''}`, ids: [] });
        // Give a dying process a moment to exit, so the next body finds a fresh server.
        if (server) await Promise.race([new Promise((r) => server!.child.once('exit', r)), new Promise((r) => setTimeout(r, 2000))]);
      }
    }

    // What was accepted is exactly what the chunks hold (no worker runs here: the chunks stay put).
    const accepted = answers.flatMap((a) => a.ids);
    const { rows } = await pool.query<{ records: { id: string; data: unknown }[] }>('SELECT records::json AS records FROM chunks WHERE id > $1', [before]);
    const stored = rows.flatMap((r) => r.records);
    expect.soft(stored.map((r) => r.id).sort(), 'the chunks hold exactly the records of the 202 answers').toEqual([...accepted].sort());
    expect.soft(new Set(accepted).size).toBe(accepted.length);
    // …and holds them as the parser read them, in the order sent.
    const byId = new Map(stored.map((r) => [r.id, r.data]));
    // (Deeply nested bodies are checked by id only: comparing them would overflow this test's own stack.)
    for (const a of answers.filter((x) => x.status === 202 && x.body.kind !== 'deep nesting')) {
      const expected = JSON.parse(JSON.stringify(parseIngestBody(a.body.plain, a.body.contentType))) as unknown[];
      expect.soft(a.ids.map((id) => byId.get(id)), `the records of a ${a.body.kind} body as stored`).toEqual(expected);
    }

    const statuses = answers.map((a) => a.status);
    const summary = Object.entries(
      answers.reduce<Record<string, Record<string, number>>>((acc, a) => {
        (acc[a.body.kind] ??= {})[String(a.status)] = ((acc[a.body.kind] ?? {})[String(a.status)] ?? 0) + 1;
        return acc;
      }, {}),
    ).map(([kind, counts]) => `${kind}: ${JSON.stringify(counts)}`);
    console.info(`[ingest property] ${answers.length} bodies, answers by kind:\n${summary.join('\n')}`);
    // Both outcomes were exercised.
    expect(statuses.filter((s) => s === 202).length, summary.join('\n')).toBeGreaterThan(10);
    expect(statuses.filter((s) => typeof s === 'number' && s >= 400 && s < 500).length, summary.join('\n')).toBeGreaterThan(10);

    // 401/403 would mean the test's own credentials failed, which would hide what ingest does.
    const bad = answers.filter((a) => a.status === 'no answer' || a.status === 401 || a.status === 403 || a.status < 200 || (a.status >= 300 && a.status < 400) || a.status >= 500 || (a.status < 300 && a.status !== 202));
    const report = bad.map((a) => `${a.body.kind} (${a.body.contentType}, ${a.body.plain.length} bytes${a.body.encoding ? `, ${a.body.encoding}` : ''}): ${a.status} ${a.detail} — body starts ${JSON.stringify(a.body.plain.subarray(0, 60).toString('utf8'))}`);
    expect.soft(crashes, `the server process died:\n${crashes.join('\n')}\n\nanswers by kind:\n${summary.join('\n')}`).toEqual([]);
    expect(report, `answers by kind:\n${summary.join('\n')}`).toEqual([]);
  });

  // Group commit packs concurrent requests into one statement; a body the database refuses must not
  // take its neighbours down with it ("one bad record never blocks its healthy neighbours").
  it('fails a body the database refuses alone: requests sharing its group commit are still accepted', async () => {
    const s = await liveServer();
    const poison = ['[{"a":"\\u0000"}]', '{"k\\u0000":1}', '[{"s":"\\ud800"}]'];
    const outcomes: { poison: boolean; status: number }[] = [];
    for (let round = 0; round < 6; round++) {
      const calls = Array.from({ length: 16 }, (_, i) => {
        const isPoison = i === 7;
        const body = isPoison ? poison[round % poison.length]! : JSON.stringify([{ round, i }]);
        return fetch(`${s.url}/api/flows/${flowId}/ingest`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) }).then(
          async (res) => {
            await res.arrayBuffer();
            outcomes.push({ poison: isPoison, status: res.status });
          },
        );
      });
      await Promise.all(calls);
    }
    const healthy = outcomes.filter((o) => !o.poison).map((o) => o.status);
    const poisoned = outcomes.filter((o) => o.poison).map((o) => o.status);
    expect.soft(poisoned.every((st) => st === 202 || (st >= 400 && st < 500)), `the refused bodies were answered ${poisoned.join(', ')}`).toBe(true);
    expect(healthy.filter((st) => st !== 202), `healthy bodies sent beside them were answered ${JSON.stringify(healthy)}`).toEqual([]);
  });

  it('still answers after all that', async () => {
    const s = await liveServer();
    await waitFor('a healthy server', async () => ((await api(s.url, 'GET', '/api/health')).status === 200 ? true : undefined), 15_000);
    const res = await api<{ accepted: number }>(s.url, 'POST', `/api/flows/${flowId}/ingest`, [{ ok: 1 }, { ok: 2 }], auth);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
  });
});
