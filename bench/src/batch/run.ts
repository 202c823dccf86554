// bench:batch — a Postgres-to-Postgres batch run: a table of N rows (default 500,000) pulled by
// source.postgres in chunks of 5,000 into sink.postgres, on a server process and a worker process.
// Three runs into a fresh sink table each; prints and appends to RESULTS.md the records/s of each
// run (fetched / run duration) and their median, and checks every row landed once.
//   npm run bench:batch -w bench -- [--rows=500000] [--runs=3]
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, postgresVersion, REPO_ROOT, startServer, startWorker, until } from '../sluice.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROWS = arg('rows', 500_000);
const RUNS = arg('runs', 3);
const CHUNK = 5000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await createDatabase();
  const source = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const src = new pg.Pool({ connectionString: source.url, max: 2 });
  await src.query(`CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, email text NOT NULL, amount numeric NOT NULL, created_at timestamptz NOT NULL)`);
  await src.query(
    `INSERT INTO orders SELECT i, 'customer ' || i, 'user' || i || '@example.com', (i % 10000) / 100.0, timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(1, $1) AS i`,
    [ROWS],
  );
  const { process: server, client } = await startServer(db.url);
  const worker = await startWorker(db.url, pool);
  const results: { seconds: number; perSecond: number; landed: number; run: Record<string, unknown> }[] = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      const table = `copy_${i}`;
      const flow = (await client.json(
        'POST',
        '/api/flows',
        {
          name: `bench batch ${i}`,
          nodes: [
            { id: 'src', type: 'source.postgres', config: { connectionString: source.url, query: 'SELECT id, customer, email, amount, created_at FROM orders', keyColumn: 'id' }, position: { x: 0, y: 0 } },
            {
              id: 'out',
              type: 'sink.postgres',
              config: { connectionString: source.url, table, columns: [{ name: 'id', type: 'bigint' }, { name: 'customer' }, { name: 'email' }, { name: 'amount', type: 'numeric' }, { name: 'created_at', type: 'timestamptz' }] },
              position: { x: 300, y: 0 },
            },
          ],
          edges: [{ id: 'e', source: 'src', sourcePort: 'out', target: 'out' }],
          settings: { chunkSize: CHUNK, maxBacklog: 200_000 },
        },
        201,
      )) as { id: string };
      await client.json('POST', `/api/flows/${flow.id}/deploy`, undefined, 200);
      const started = (await client.json('POST', `/api/flows/${flow.id}/runs`, {}, 201)) as { id: string };
      let run: Record<string, unknown> = {};
      await until('the run to finish', async () => {
        run = (await client.json('GET', `/api/flows/${flow.id}/runs/${started.id}`, undefined, 200)) as Record<string, unknown>;
        return run.status !== 'running';
      }, 30 * 60_000, 250);
      const landed = Number((await src.query(`SELECT count(DISTINCT id) AS n FROM ${table}`)).rows[0].n);
      const seconds = Number(run.durationMs) / 1000;
      results.push({ seconds, perSecond: Math.round(Number(run.fetched) / seconds), landed, run });
      console.log(`run ${i}: ${run.status}, ${run.fetched} fetched, ${run.delivered} delivered in ${seconds.toFixed(1)} s = ${results.at(-1)!.perSecond} records/s; ${landed} distinct rows landed`);
    }
  } finally {
    client.close();
    await worker.stop();
    await server.stop();
    await pool.end();
    await src.end();
    await db.drop();
    await source.drop();
  }
  const ok = results.every((r) => r.run.status === 'succeeded' && r.landed === ROWS && r.run.delivered === ROWS && r.run.expected === ROWS);
  const cell = (xs: (string | number)[]) => xs.map((x) => (typeof x === 'number' ? x.toLocaleString('en-US') : x)).join(' | ');
  const section = [
    `## Batch: Postgres to Postgres (\`npm run bench:batch\`, issue #7) — ${new Date().toISOString()}`,
    '',
    `- Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, shared with other work (1-minute load average when the runs ended: ${os.loadavg()[0]!.toFixed(2)}); node ${process.version}, PostgreSQL ${await postgresVersion()}.`,
    `- Setup: one server and one worker process (concurrency 8), a ${ROWS.toLocaleString('en-US')}-row table (5 columns) read by source.postgres (keyset on id) in pages and chunks of ${CHUNK.toLocaleString('en-US')}, parallelism 4, into sink.postgres (insert) on the same Postgres. records/s = fetched / run duration (start to the last chunk settled).`,
    '',
    `| figure | ${results.map((_, i) => `run ${i + 1}`).join(' | ')} | median |`,
    `| --- | ${results.map(() => '---:').join(' | ')} | ---: |`,
    `| records/s | ${cell(results.map((r) => r.perSecond))} | ${median(results.map((r) => r.perSecond)).toLocaleString('en-US')} |`,
    `| run duration s | ${cell(results.map((r) => +r.seconds.toFixed(1)))} | ${median(results.map((r) => +r.seconds.toFixed(1)))} |`,
    `| every row landed once, counts add up | ${results.map((r) => (r.run.status === 'succeeded' && r.landed === ROWS ? 'yes' : 'NO')).join(' | ')} | ${ok ? 'yes' : 'NO'} |`,
    '',
  ].join('\n');
  console.log(section);
  await appendFile(path.join(REPO_ROOT, 'bench/RESULTS.md'), `\n${section}`);
  if (!ok) process.exitCode = 1;
}

await main();
