// bench:file — a large CSV (default 200 MB, with a bad line every 100,000) posted to a source.file
// flow on a server process and a worker process, into a Postgres sink. Prints the server's peak RSS
// while it streams the file (the check: under 300 MB), the upload and end-to-end times, and whether
// every line is accounted for (delivered + dead-lettered = lines; each bad line a dead letter).
//   npm run bench:file -w bench -- [--mb=200]
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { Client, createDatabase, REPO_ROOT, startServer, startWorker, until } from '../sluice.js';

const mb = Number(process.argv.find((a) => a.startsWith('--mb='))?.slice(5) ?? 200);
const BAD_EVERY = 100_000;

async function writeCsv(file: string, bytes: number): Promise<{ lines: number; bad: number }> {
  const out = createWriteStream(file);
  out.write('id,name,email,amount,created_at\n');
  let written = 0;
  let i = 0;
  let bad = 0;
  while (written < bytes) {
    i += 1;
    const line = i % BAD_EVERY === 0 ? `${i},"unclosed quote,x@example.com,1,2026-01-01\n` : `${i},customer number ${i},user${i}@example.com,${(i % 10_000) / 100},2026-01-01T00:00:00Z\n`;
    if (i % BAD_EVERY === 0) bad += 1;
    written += line.length;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { lines: i, bad };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function upload(client: Client, flowId: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: client.port, method: 'POST', path: `/api/flows/${flowId}/files`, headers: { authorization: Client.authorization, 'content-type': 'text/csv' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function main() {
  const file = path.join(os.tmpdir(), `sluice-bench-${process.pid}.csv`);
  const { lines, bad } = await writeCsv(file, mb * 1024 * 1024);
  const size = (await stat(file)).size;
  console.log(`file: ${(size / 1024 / 1024).toFixed(0)} MB, ${lines} data lines, ${bad} bad`);
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const { process: server, client } = await startServer(db.url);
  const worker = await startWorker(db.url, pool);
  try {
    const flow = (await client.json(
      'POST',
      '/api/flows',
      {
        name: 'bench file',
        nodes: [
          { id: 'file', type: 'source.file', config: { format: 'csv' }, position: { x: 0, y: 0 } },
          { id: 'out', type: 'sink.postgres', config: { connectionString: db.url, table: 'file_rows', columns: [{ name: 'id', type: 'bigint' }, { name: 'name' }, { name: 'email' }, { name: 'amount', type: 'numeric' }, { name: 'created_at', type: 'timestamptz' }] }, position: { x: 300, y: 0 } },
        ],
        edges: [{ id: 'e', source: 'file', sourcePort: 'out', target: 'out' }],
        settings: { chunkSize: 1000, parallelism: 8, maxBacklog: 200_000 },
      },
      201,
    )) as { id: string };
    await client.json('POST', `/api/flows/${flow.id}/deploy`, undefined, 200);
    const baseline = await rssMb(server.pid);
    let peak = baseline;
    const sampler = setInterval(() => void rssMb(server.pid).then((r) => (peak = Math.max(peak, r)), () => {}), 200);
    const started = Date.now();
    const answer = await upload(client, flow.id, file);
    const uploadedMs = Date.now() - started;
    if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    const runId = (JSON.parse(answer.body) as { id: string }).id;
    let run: Record<string, unknown> = {};
    await until('the run to finish', async () => {
      run = (await client.json('GET', `/api/flows/${flow.id}/runs/${runId}`, undefined, 200)) as Record<string, unknown>;
      return run.status !== 'running';
    }, 30 * 60_000, 1000);
    clearInterval(sampler);
    const totalMs = Date.now() - started;
    const rows = Number((await pool.query('SELECT count(*) AS n FROM file_rows')).rows[0].n);
    const letters = Number((await pool.query('SELECT count(*) AS n FROM dead_letters WHERE flow_id = $1', [flow.id])).rows[0].n);
    const accounted = run.fetched === lines && Number(run.delivered) + Number(run.deadLettered) === lines && rows === lines - bad && letters === bad;
    const figures = {
          date: new Date().toISOString(),
          machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
          node: process.version,
          fileMb: Math.round(size / 1024 / 1024),
          lines,
          bad,
          serverRssBaselineMb: Math.round(baseline),
          serverRssPeakMb: Math.round(peak),
          rssUnder300Mb: peak < 300,
          uploadSeconds: +(uploadedMs / 1000).toFixed(1),
          endToEndSeconds: +(totalMs / 1000).toFixed(1),
          recordsPerSecond: Math.round(lines / (totalMs / 1000)),
          run: { status: run.status, fetched: run.fetched, delivered: run.delivered, deadLettered: run.deadLettered },
          sinkRows: rows,
          deadLetters: letters,
          everyLineAccountedFor: accounted,
    };
    console.log(JSON.stringify(figures, null, 2));
    await appendFile(
      path.join(REPO_ROOT, 'bench/RESULTS.md'),
      [
        '',
        `## File upload (\`npm run bench:file\`, issue #7) — ${figures.date}`,
        '',
        `- Machine: ${figures.machine}, shared with other work; node ${figures.node}. One server and one worker process; source.file (CSV, header) → sink.postgres, chunk size 1,000, parallelism 8, max backlog 200,000.`,
        `- File: ${figures.fileMb} MB, ${lines.toLocaleString('en-US')} data lines, ${bad} bad ones (an unclosed quote every ${BAD_EVERY.toLocaleString('en-US')} lines), streamed as the raw request body.`,
        '',
        '| figure | value |',
        '| --- | ---: |',
        `| server RSS before → peak while streaming | ${figures.serverRssBaselineMb} → ${figures.serverRssPeakMb} MiB (limit 300) |`,
        `| upload (every line committed) s | ${figures.uploadSeconds} |`,
        `| end to end (every record settled) s | ${figures.endToEndSeconds} |`,
        `| records/s end to end | ${figures.recordsPerSecond.toLocaleString('en-US')} |`,
        `| run: fetched / delivered / dead-lettered | ${Number(run.fetched).toLocaleString('en-US')} / ${Number(run.delivered).toLocaleString('en-US')} / ${run.deadLettered} |`,
        `| every line accounted for (sink rows + dead letters by line) | ${accounted ? 'yes' : 'NO'} |`,
        '',
      ].join('\n'),
    );
    if (!accounted || peak >= 300) process.exitCode = 1;
  } finally {
    client.close();
    await worker.stop();
    await server.stop();
    await pool.end();
    await db.drop();
    await rm(file, { force: true });
  }
}

await main();
