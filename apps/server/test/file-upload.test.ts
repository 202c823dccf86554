// Files posted to a flow's source.file node: streamed through, committed a chunk at a time, each
// upload a run, bad lines dead-lettered by line number. (The 200 MB / bounded-memory check is a
// bench command: npm run bench:file -w bench.)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterPage, Graph, Run } from '@sluice/shared';
import { createTestDatabase, testPool, deployFlow, quietLogger, startTestSluice, testPlanCache, waitFor, type TestSluice } from './harness.js';
import { ExternalPools } from '../src/engine/connections.js';
import { tickRuns } from '../src/engine/runs/tick-runs.js';
import { egressPolicy } from '../src/egress/guard.js';

describe('file uploads', () => {
  let t: TestSluice;
  let sink: Awaited<ReturnType<typeof createTestDatabase>>;
  let sinkPool: pg.Pool;

  beforeAll(async () => {
    t = await startTestSluice();
    sink = await createTestDatabase('sluice_sink');
    sinkPool = testPool(sink.url, 2);
  });
  afterAll(async () => {
    await t?.stop();
    await sinkPool?.end();
    await sink?.drop();
  });

  const flow = (name: string, file: Record<string, unknown>, table: string): Graph & { settings: Record<string, unknown> } => ({
    name,
    nodes: [
      { id: 'file', type: 'source.file', config: file, position: { x: 0, y: 0 } },
      { id: 'out', type: 'sink.postgres', config: { connectionString: sink.url, table, columns: [{ name: 'id', type: 'integer' }, { name: 'name' }, { name: 'amount', type: 'numeric' }] }, position: { x: 300, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'file', sourcePort: 'out', target: 'out' }],
    settings: { chunkSize: 500, parallelism: 2 },
  });

  /** Posts `lines` as a streamed body (several small writes), as a browser or curl would send a file. */
  const upload = async (flowId: string, lines: string[], contentType: string) => {
    const encoder = new TextEncoder();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i >= lines.length) return controller.close();
        controller.enqueue(encoder.encode(lines.slice(i, i + 700).join('')));
        i += 700;
      },
    });
    const res = await fetch(`${t.url}/api/flows/${flowId}/files`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': contentType }, body, duplex: 'half' } as RequestInit);
    return { status: res.status, body: (await res.json()) as Run & { error?: { message: string } } };
  };
  const finished = (flowId: string, runId: string) =>
    waitFor('the file run to finish', async () => {
      const run = (await t.api<Run>('GET', `/api/flows/${flowId}/runs/${runId}`)).body;
      return run.status === 'running' ? undefined : run;
    });

  it('streams a CSV through, dead-letters each bad line by its line number, and counts the file as a run', async () => {
    const f = await deployFlow(t, flow('csv upload', { format: 'csv' }, 'from_csv'));
    const lines = ['id,name,amount\n'];
    const bad = new Map<number, string>();
    for (let i = 1; i <= 10_000; i++) {
      const line = lines.length + 1;
      if (i % 2000 === 17) {
        lines.push(`${i},"broken,${i}\n`); // an unclosed quote
        bad.set(line, 'quote');
      } else if (i % 2000 === 1000) {
        lines.push(`${i},too,many,fields\n`);
        bad.set(line, 'expected 3 fields, found 4');
      } else lines.push(`${i},name ${i},${(i % 500) / 4}\n`);
    }
    const good = 10_000 - bad.size;
    const res = await upload(f.id, lines, 'text/csv');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ trigger: 'file', nodeId: 'file', fetched: 10_000 });
    const run = await finished(f.id, res.body.id);
    expect(run).toMatchObject({ status: 'succeeded', fetched: 10_000, delivered: good, deadLettered: bad.size, inFlight: 0 });
    const { rows } = await sinkPool.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(amount)::float AS total FROM from_csv');
    expect(rows[0]).toMatchObject({ n: good, ids: good });
    const letters = await t.api<DeadLetterPage>('GET', `/api/flows/${f.id}/dead-letters?limit=100`);
    const byLine = new Map(letters.body.items.map((d) => [(d.record as { line: number }).line, d]));
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual([...bad.keys()].sort((a, b) => a - b));
    for (const [line, why] of bad) {
      expect(byLine.get(line)!.error.message).toMatch(new RegExp(`^line ${line}: .*${why}`, 'i'));
      expect(byLine.get(line)!.nodeId).toBe('file');
      expect((byLine.get(line)!.record as { text: string }).text).toBe(lines[line - 1]!.trimEnd());
    }
    // The upload is audited: who, into which flow, how big, how many records; never a line of it.
    const audit = await t.pool.query(`SELECT actor, outcome, resource_id, details FROM audit_log WHERE action = 'file.upload' AND details->>'runId' = $1`, [res.body.id]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor: 'admin@test.local (token "test harness")', outcome: 'success', resource_id: f.id });
    expect(audit.rows[0].details).toMatchObject({ nodeId: 'file', contentType: 'text/csv', bytes: Buffer.byteLength(lines.join('')), fetched: 10_000 });
    expect(JSON.stringify(audit.rows[0].details)).not.toContain('name 1');
  });

  it('takes NDJSON and JSON arrays, and answers 400 for a JSON file that is not an array, keeping what came before', async () => {
    const nd = await deployFlow(t, flow('ndjson upload', { format: 'ndjson' }, 'from_ndjson'));
    const res = await upload(nd.id, ['{"id":1,"name":"a","amount":1}\n', 'not json\n', '{"id":2,"name":"b","amount":2}\n'], 'application/x-ndjson');
    expect(res.status).toBe(201);
    expect(await finished(nd.id, res.body.id)).toMatchObject({ status: 'succeeded', fetched: 3, delivered: 2, deadLettered: 1 });

    const js = await deployFlow(t, flow('json upload', { format: 'json' }, 'from_json'));
    const ok = await upload(js.id, ['[{"id":1,"name":"a","amount":1},\n', '{"id":2,"name":"b","amount":2}]'], 'application/json');
    expect(ok.status).toBe(201);
    expect(await finished(js.id, ok.body.id)).toMatchObject({ status: 'succeeded', fetched: 2, delivered: 2 });
    const wrong = await upload(js.id, ['{"id":1}'], 'application/json');
    expect(wrong.status).toBe(400);
    // A refused file is audited too, with what was read of it.
    const refused = await t.pool.query(`SELECT outcome, details FROM audit_log WHERE action = 'file.upload' AND resource_id = $1 ORDER BY id`, [js.id]);
    expect(refused.rows.map((r) => r.outcome)).toEqual(['success', 'failure']);
    expect(refused.rows[1].details).toMatchObject({ error: 'invalid_input', contentType: 'application/json', bytes: Buffer.byteLength('{"id":1}') });
    expect(wrong.body.error!.message).toMatch(/one array/);
  });

  it('makes an empty run of a header-only file, and refuses an upload to a flow without a file source', async () => {
    const f = await deployFlow(t, flow('csv upload 2', { format: 'csv' }, 'from_csv2'));
    const empty = await upload(f.id, ['id,name,amount\n'], 'text/csv');
    expect(empty.status).toBe(201);
    expect(await finished(f.id, empty.body.id)).toMatchObject({ status: 'succeeded', fetched: 0, delivered: 0, deadLettered: 0 });
    const other = await deployFlow(t, { name: 'no files', nodes: [{ id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } }, { id: 'log', type: 'sink.log', config: {}, position: { x: 1, y: 0 } }], edges: [{ id: 'e', source: 'in', sourcePort: 'out', target: 'log' }] });
    expect((await upload(other.id, ['a\n'], 'text/csv')).status).toBe(409);
  });
});

describe('files read from a folder on a schedule', () => {
  let t: TestSluice;
  let root: string;
  let sink: Awaited<ReturnType<typeof createTestDatabase>>;
  let sinkPool: pg.Pool;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-inbox-'));
    t = await startTestSluice({ fileRoot: root });
    sink = await createTestDatabase('sluice_sink');
    sinkPool = testPool(sink.url, 2);
  });
  afterAll(async () => {
    await t?.stop();
    await sinkPool?.end();
    await sink?.drop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  const folderFlow = (folder: string, table: string): Graph => ({
    name: 'drop folder',
    nodes: [
      { id: 'file', type: 'source.file', config: { format: 'csv', folder, pattern: 'orders-*.csv', schedule: '* * * * *' }, position: { x: 0, y: 0 } },
      { id: 'out', type: 'sink.postgres', config: { connectionString: sink.url, table, columns: [{ name: 'id', type: 'integer' }, { name: 'name' }] }, position: { x: 300, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'file', sourcePort: 'out', target: 'out' }],
  });

  it('refuses at deploy a folder outside SLUICE_FILE_ROOT, naming the field', async () => {
    const created = await t.api<{ id: string }>('POST', '/api/flows', folderFlow('/etc', 'never'));
    expect(created.status).toBe(201);
    const res = await t.api<{ error: { message: string; details: { path: string; nodeIds: string[] } } }>('POST', `/api/flows/${created.body.id}/deploy`);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ path: 'config.folder', nodeIds: ['file'] });
    expect(res.body.error.message).toContain(root);
  });

  it('makes each stable matching file a run on the schedule, dead-letters bad lines by number, and moves the files to done/', { timeout: 120_000 }, async () => {
    const folder = path.join(root, 'orders');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'orders-1.csv'), 'id,name\n1,one\n2,two\n3,three,extra\n4,four\n');
    await fs.writeFile(path.join(folder, 'orders-2.csv'), 'id,name\n5,five\n6,six,extra\n7,seven\n');
    await fs.writeFile(path.join(folder, 'notes.txt'), 'not matched by the pattern\n');
    const flow = await deployFlow(t, folderFlow(folder, 'from_folder'));

    // One tick at a schedule time: the worker reads the folder (twice-seen sizes), one run per file.
    const tickPool = testPool(t.databaseUrl, 2);
    const externals = new ExternalPools(egressPolicy(['127.0.0.1']));
    try {
      await tickRuns({ pool: tickPool, plans: testPlanCache(tickPool, externals), logger: quietLogger }, new Date());
    } finally {
      await externals.closeAll();
      await tickPool.end();
    }
    const runs = await waitFor('two finished runs', async () => {
      const res = await t.api<{ items: Run[] }>('GET', `/api/flows/${flow.id}/runs`);
      return res.body.items.length === 2 && res.body.items.every((r) => r.status !== 'running') ? res.body.items : undefined;
    }, 60_000);
    expect(runs.map((r) => ({ status: r.status, fetched: r.fetched, delivered: r.delivered, deadLettered: r.deadLettered })).sort((a, b) => a.fetched - b.fetched)).toEqual([
      { status: 'succeeded', fetched: 3, delivered: 2, deadLettered: 1 },
      { status: 'succeeded', fetched: 4, delivered: 3, deadLettered: 1 },
    ]);
    const { rows } = await sinkPool.query('SELECT id FROM from_folder ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2, 4, 5, 7]);
    const letters = await t.api<DeadLetterPage>('GET', `/api/flows/${flow.id}/dead-letters`);
    expect(letters.body.items.map((d) => d.record).sort((a, b) => (a as { line: number }).line - (b as { line: number }).line)).toEqual([
      { line: 3, text: '6,six,extra' },
      { line: 4, text: '3,three,extra' },
    ]);
    expect(letters.body.items.every((d) => d.nodeId === 'file' && d.error.kind === 'invalid')).toBe(true);
    // Each run's dead letter carries that run as its correlation id.
    expect(new Set(letters.body.items.map((d) => d.correlationId))).toEqual(new Set(runs.map((r) => r.id)));
    expect((await fs.readdir(path.join(folder, 'done'))).sort()).toEqual(['orders-1.csv', 'orders-2.csv']);
    expect((await fs.readdir(folder)).sort()).toEqual(['done', 'notes.txt', 'processing']);
    expect(await fs.readdir(path.join(folder, 'processing'))).toEqual([]);
  });

  /** One schedule tick at `now`, as the worker's crontab runs it. */
  async function tickRunsAt(now: Date): Promise<void> {
    const tickPool = testPool(t.databaseUrl, 2);
    const externals = new ExternalPools(egressPolicy(['127.0.0.1']));
    try {
      await tickRuns({ pool: tickPool, plans: testPlanCache(tickPool, externals), logger: quietLogger }, now);
    } finally {
      await externals.closeAll();
      await tickPool.end();
    }
  }

  /** Resolves once the queued folder jobs have run. */
  async function waitForScan(): Promise<void> {
    await waitFor('the folder job to run', async () => {
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'scan_folder'`);
      return rows[0].n === 0 ? true : undefined;
    }, 60_000, 100);
  }

  it('skips a file still being written until its size holds, and moves a file that cannot be read to failed/ with the reason', { timeout: 120_000 }, async () => {
    const folder = path.join(root, 'json');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'bad.json'), '{"id": 1, "name": "not an array"}');
    const growing = path.join(folder, 'growing.json');
    await fs.writeFile(growing, '[');
    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        n += 1;
        await fs.appendFile(growing, `{"id": ${n}, "name": "row ${n}"},`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const flow = await deployFlow(t, {
      name: 'json drop folder',
      nodes: [
        { id: 'file', type: 'source.file', config: { format: 'json', folder, pattern: '*.json', schedule: '*/5 * * * *' }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.postgres', config: { connectionString: sink.url, table: 'from_json_folder', columns: [{ name: 'id', type: 'integer' }, { name: 'name' }] }, position: { x: 300, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'file', sourcePort: 'out', target: 'out' }],
    });
    // Every 5 minutes: tick at a schedule time by asking for one that is due now.
    const due = new Date(Math.floor(Date.now() / 300_000) * 300_000 + 30_000);
    await tickRunsAt(due);
    await waitForScan();
    writing = false;
    await writer;
    // The growing file was left where it was; the bad one failed with its reason beside it.
    expect((await fs.readdir(folder)).sort()).toEqual(['failed', 'growing.json', 'processing']);
    expect((await fs.readdir(path.join(folder, 'failed'))).sort()).toEqual(['bad.json', 'bad.json.error.txt']);
    expect(await fs.readFile(path.join(folder, 'failed', 'bad.json.error.txt'), 'utf8')).toMatch(/not an array|array/i);

    // Finished: the next schedule time takes it in whole.
    await fs.appendFile(growing, `{"id": 0, "name": "last"}]`);
    await tickRunsAt(new Date(due.getTime() + 300_000));
    await waitForScan();
    expect(await fs.readdir(path.join(folder, 'done'))).toEqual(['growing.json']);
    const runs = await waitFor('the runs to finish', async () => {
      const res = await t.api<{ items: Run[] }>('GET', `/api/flows/${flow.id}/runs`);
      return res.body.items.length === 2 && res.body.items.every((r) => r.status !== 'running') ? res.body.items : undefined;
    }, 60_000);
    expect(runs.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
    const { rows } = await sinkPool.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM from_json_folder');
    expect(rows[0]).toEqual({ n: n + 1, ids: n + 1 });
  });
});
