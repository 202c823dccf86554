// `npm run bench:brokers [-- --runs 3 --messages 50000 --broker amqp]`: how fast each broker source
// takes messages in. Per run and broker: a fresh database, a server and a worker process, a queue /
// stream / subject / topic of its own filled with messages, a flow from the broker source to a
// Postgres sink; prints records/s and appends the medians to bench/RESULTS.md.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import { describeMachine, median } from '../measure.js';
import { createDatabase, postgresVersion, REPO_ROOT, startServer, startWorker, type Client } from '../sluice.js';

const BROKERS = ['amqp', 'redis', 'nats', 'mqtt'] as const;
type Broker = (typeof BROKERS)[number];
const RESULTS = path.join(REPO_ROOT, 'bench', 'RESULTS.md');
/** Mosquitto queues at most 1000 QoS 1 messages per subscriber by default: the MQTT feed stays this far ahead. */
const MQTT_WINDOW = 800;

/** A broker made ready for one run: the source node's config, what feeds it, how to clean up. */
interface Prepared {
  source: { type: string; config: Record<string, unknown> };
  /** Publishes the messages; for MQTT this runs while Sluice consumes (`committed` paces it). */
  feed(committed: () => Promise<number>): Promise<void>;
  /** Whether feeding must wait until the consumer is subscribed (MQTT keeps messages only for subscribers). */
  feedAfterConnect: boolean;
  cleanup(): Promise<void>;
}

function body(seq: number): Buffer {
  return Buffer.from(JSON.stringify({ seq, note: `message ${seq}`, at: '2026-01-01T00:00:00Z' }));
}

async function prepare(broker: Broker, n: number): Promise<Prepared> {
  const name = `sluice_bench_${broker}_${randomBytes(4).toString('hex')}`;
  switch (broker) {
    case 'amqp': {
      const url = 'amqp://guest:guest@127.0.0.1:5672';
      const connection = await amqp.connect(url);
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(name, { durable: true });
      return {
        source: { type: 'source.amqp', config: { url, queue: name } },
        feedAfterConnect: false,
        async feed() {
          for (let i = 0; i < n; i++) channel.sendToQueue(name, body(i), { messageId: `m-${i}`, persistent: true });
          await channel.waitForConfirms();
        },
        async cleanup() {
          await channel.deleteQueue(name).catch(() => undefined);
          await connection.close();
        },
      };
    }
    case 'redis': {
      const url = 'redis://127.0.0.1:6379';
      const redis = new Redis(url);
      return {
        source: { type: 'source.redis', config: { url, stream: name, group: 'sluice' } },
        feedAfterConnect: false,
        async feed() {
          for (let i = 0; i < n; i += 1000) {
            const pipeline = redis.pipeline();
            for (let j = i; j < Math.min(n, i + 1000); j++) pipeline.xadd(name, '*', 'data', body(j));
            await pipeline.exec();
          }
        },
        async cleanup() {
          await redis.del(name);
          redis.disconnect();
        },
      };
    }
    case 'nats': {
      const servers = 'nats://127.0.0.1:4222';
      const stream = name.toUpperCase();
      const nc = await natsConnect({ servers });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: [`${name}.>`] });
      const js = nc.jetstream();
      return {
        source: { type: 'source.nats', config: { servers, stream, subject: `${name}.in`, durable: 'sluice' } },
        feedAfterConnect: false,
        async feed() {
          for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => js.publish(`${name}.in`, body(i + j))));
        },
        async cleanup() {
          await jsm.streams.delete(stream).catch(() => undefined);
          await nc.close();
        },
      };
    }
    case 'mqtt': {
      const url = 'mqtt://127.0.0.1:1883';
      const publisher = await mqtt.connectAsync(url);
      const topic = `${name}/in`;
      return {
        source: { type: 'source.mqtt', config: { url, topic, keyPath: 'seq', clientId: name } },
        feedAfterConnect: true,
        async feed(committed) {
          for (let i = 0; i < n; i += 100) {
            while (i - (await committed()) > MQTT_WINDOW) await new Promise((r) => setTimeout(r, 20));
            await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => publisher.publishAsync(topic, body(i + j), { qos: 1 })));
          }
        },
        async cleanup() {
          await publisher.endAsync();
          // The source's persistent session outlives it: remove it.
          await (await mqtt.connectAsync(url, { clientId: name, clean: true })).endAsync();
        },
      };
    }
  }
}

interface RunResult {
  /** Records committed by the source (acknowledged to the broker) per second, from the first commit to the last. */
  sourcePerSecond: number;
  /** Rows in the Postgres sink per second, from the first commit to the last row. */
  endToEndPerSecond: number;
  /** From deploy to the first commit: the worker noticing the flow, taking the lease and connecting. */
  startSeconds: number;
  seconds: number;
}

async function oneRun(broker: Broker, n: number): Promise<RunResult> {
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const prepared = await prepare(broker, n);
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let worker: Awaited<ReturnType<typeof startWorker>> | null = null;
  try {
    server = await startServer(db.url);
    worker = await startWorker(db.url, pool);
    if (!prepared.feedAfterConnect) await prepared.feed(async () => 0);
    const table = `bench_${broker}`;
    const rows = async () => Number((await pool.query(`SELECT count(*)::int AS n FROM ${table}`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);
    // Committed = written to the sink + still waiting in chunks (a chunk row goes when its outcomes commit).
    const committed = async () => {
      const waiting = Number((await pool.query('SELECT coalesce(sum(record_count), 0)::int AS n FROM chunks')).rows[0].n);
      return Math.min(n, (await rows()) + waiting);
    };
    const started = performance.now();
    const flowId = await deploy(server.client, prepared.source, db.url, table);
    let feeding: Promise<void> = Promise.resolve();
    if (prepared.feedAfterConnect) {
      await waitUntil(async () => (await pool.query(`SELECT 1 FROM source_consumers WHERE flow_id = $1 AND state = 'connected'`, [flowId])).rowCount === 1, 60_000);
      feeding = prepared.feed(committed);
    }
    let firstCommit = 0;
    let sourceDone = 0;
    await waitUntil(async () => {
      const now = performance.now();
      const c = await committed();
      if (firstCommit === 0 && c > 0) firstCommit = now;
      if (sourceDone === 0 && c >= n) sourceDone = now;
      return (await rows()) >= n;
    }, 600_000, 20);
    await feeding;
    const done = performance.now();
    if ((await rows()) !== n) throw new Error(`${broker}: ${await rows()} rows for ${n} messages`);
    return {
      sourcePerSecond: n / ((sourceDone - firstCommit) / 1000),
      endToEndPerSecond: n / ((done - firstCommit) / 1000),
      startSeconds: (firstCommit - started) / 1000,
      seconds: (done - firstCommit) / 1000,
    };
  } finally {
    server?.client.close();
    await worker?.stop();
    await server?.process.stop();
    await prepared.cleanup().catch(() => undefined);
    await pool.end();
    await db.drop();
  }
}

async function deploy(client: Client, source: Prepared['source'], databaseUrl: string, table: string): Promise<string> {
  const graph = {
    name: `bench ${source.type}`,
    nodes: [
      { id: 'in', type: source.type, config: source.config, position: { x: 0, y: 0 } },
      {
        id: 'pg',
        type: 'sink.postgres',
        config: { connectionString: databaseUrl, table, columns: [{ name: 'seq', type: 'integer' }, { name: 'raw', source: '$', type: 'jsonb' }] },
        position: { x: 300, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'pg' }],
  };
  const flow = (await client.json('POST', '/api/flows', graph, 201)) as { id: string };
  await client.json('POST', `/api/flows/${flow.id}/deploy`, undefined, 200);
  return flow.id;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { runs: { type: 'string', default: '3' }, messages: { type: 'string', default: '50000' }, broker: { type: 'string', multiple: true }, 'no-record': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  const n = Number(values.messages);
  const brokers = (values.broker?.length ? values.broker : BROKERS).filter((b): b is Broker => (BROKERS as readonly string[]).includes(b));
  const machine = describeMachine();
  console.log(`broker sources bench: ${runs} run(s) of ${n} messages each for ${brokers.join(', ')}; load average ${machine.loadAverage.toFixed(2)}`);
  const lines: string[] = [];
  for (const broker of brokers) {
    const results: RunResult[] = [];
    for (let i = 1; i <= runs; i++) {
      const r = await oneRun(broker, n);
      console.log(`${broker} run ${i}: source ${Math.round(r.sourcePerSecond)} records/s, end to end ${Math.round(r.endToEndPerSecond)} records/s (${r.seconds.toFixed(1)} s, first commit ${r.startSeconds.toFixed(1)} s after deploy)`);
      results.push(r);
    }
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    lines.push(
      `| source.${broker} | ${results.map((r) => fmt(r.sourcePerSecond)).join(' / ')} | **${fmt(median(results.map((r) => r.sourcePerSecond)))}** | ${results.map((r) => fmt(r.endToEndPerSecond)).join(' / ')} | **${fmt(median(results.map((r) => r.endToEndPerSecond)))}** | ${median(results.map((r) => r.startSeconds)).toFixed(1)} |`,
    );
  }
  const section = [
    `## ${new Date().toISOString()} — broker sources, ${runs} run${runs === 1 ? '' : 's'} each`,
    '',
    `- Machine: ${machine.cores} cores (nproc), ${machine.model}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, shared with other work (1-minute load average at the start: ${machine.loadAverage.toFixed(2)}). The brokers, Postgres, the bench, the server and the worker share these cores.`,
    `- Versions: node ${process.version}, PostgreSQL ${await postgresVersion()}; RabbitMQ, Redis, NATS and Mosquitto as installed on 127.0.0.1.`,
    `- Setup: \`npm run bench:brokers\`. Per run: a fresh database, one \`--role=server\` and one \`--role=worker\` process, ${fmtCount(n)} JSON messages of about 60 bytes, flow: broker source (defaults) → Postgres sink (seq + jsonb). AMQP, Redis and NATS are filled before the flow is deployed; MQTT is fed while Sluice consumes (no more than ${MQTT_WINDOW} ahead: Mosquitto drops beyond 1000 queued messages per client). Source = messages committed and acknowledged per second (sink rows + records still in chunks, polled every 20 ms), from the first commit to the last; end to end = rows in the sink table per second, from the first commit to the last row; start = deploy to first commit (the worker's 2 s look at deployed flows, the lease, connecting). Each broker is checked for exactly ${fmtCount(n)} rows.`,
    '',
    '| source | source records/s (runs) | median | end-to-end records/s (runs) | median | start s (median) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
    '',
  ].join('\n');
  console.log(`\n${section}`);
  if (!values['no-record']) {
    appendFileSync(RESULTS, `\n${section}`);
    console.log(`appended to ${path.relative(REPO_ROOT, RESULTS)}`);
  }
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

main().catch((err: unknown) => {
  console.error(`bench:brokers failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
