// The two scenarios of issue #2: A pushes the orders in batches and times them end to end; B keeps
// many clients posting one order each and checks that every 202 became a delivered row or a dead letter.
import type pg from 'pg';
import type { Graph } from '@sluice/shared';
import type { FlowSettingsPatch } from '@sluice/shared';
import { makeOrders, ordersFlow, type Order } from '../../apps/server/test/fixtures.js';
import { cpuAccount, percentile, RssSampler, type CpuSplit } from './measure.js';
import { Client, until, type SluiceProcess } from './sluice.js';

/** A running Sluice and the bench's own way into its database. */
export interface Target {
  client: Client;
  /** The bench's connection to the Sluice database, for exact counts from the tables. */
  pool: pg.Pool;
  databaseUrl: string;
  server: SluiceProcess;
  worker: SluiceProcess;
  /** Flow settings the bench's flows are created with; unset ones keep Sluice's defaults. */
  flowSettings?: FlowSettingsPatch;
}

/**
 * How often the bench looks at the backlog while waiting for the worker: the end of a run is known
 * to within this (a 100 ms poll cost scenario A, 1.7 s long, 3% on average).
 */
const POLL_MS = 20;
/** Longest wait for the worker to finish what was accepted. */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

/**
 * The orders flow of the tests without its HTTP sink: the headline is the Postgres sink, and a local
 * receiver in the bench process would take CPU from the two cores that Sluice and Postgres share.
 */
export function benchFlow(databaseUrl: string, table: string): Graph {
  const graph = ordersFlow({ receiverUrl: 'http://127.0.0.1:9/unused', databaseUrl, table });
  return {
    ...graph,
    name: `bench ${table}`,
    description: 'webhook → map → rules → mask → Postgres',
    nodes: graph.nodes.filter((n) => n.id !== 'http'),
    edges: graph.edges.filter((e) => e.source !== 'http' && e.target !== 'http'),
  };
}

/** The fixture's rule: every 10th order (index % 10 === 9) has a wrong total and is dead-lettered. */
const isValid = (index: number) => index % 10 !== 9;

async function deploy(target: Target, table: string): Promise<string> {
  const created = (await target.client.json('POST', '/api/flows', { ...benchFlow(target.databaseUrl, table), settings: target.flowSettings }, 201)) as { id: string };
  await target.client.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
  return created.id;
}

async function queued(pool: pg.Pool, flowId: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks WHERE flow_id = $1', [flowId]);
  return Number(rows[0]?.n ?? 0);
}

/** Exact outcomes from the tables: rows in the sink table and dead letters of the flow. */
async function outcomes(pool: pg.Pool, flowId: string, table: string): Promise<{ delivered: number; deadLettered: number }> {
  const exists = (await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t;
  const delivered = exists ? Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]?.n) : 0;
  const deadLettered = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters WHERE flow_id = $1', [flowId])).rows[0]?.n);
  return { delivered, deadLettered };
}

const diedOf = (target: Target) => Promise.race([target.server.died, target.worker.died]);

export interface BatchedOptions {
  records: number;
  batchSize: number;
  inFlight: number;
}

export interface BatchedResult {
  records: number;
  accepted: number;
  /** 429 answers (the request was repeated after Retry-After). */
  throttled: number;
  ingestSeconds: number;
  /** Accepted records / time from the first ingest request to the last answer. */
  ingestPerSecond: number;
  endToEndSeconds: number;
  /** (Delivered + dead-lettered) / time from the first ingest request until all were processed. */
  processedPerSecond: number;
  /** Rows in the sink table / the same time. */
  deliveredPerSecond: number;
  delivered: number;
  deadLettered: number;
  expectedDelivered: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Most records waiting (accepted, not yet processed) seen while polling. */
  peakQueued: number;
  /** Records processed per second while ingest was still running (the worker sharing the CPU with it). */
  processedDuringIngestPerSecond: number;
  /** Records processed per second after the last ingest answer (the worker with the machine to itself). */
  processedAfterIngestPerSecond: number;
  workerRssPeak: number;
  workerRssEnd: number;
  serverRssPeak: number;
  cpu: CpuSplit;
}

/** Scenario A: `records` orders as JSON arrays of `batchSize`, `inFlight` requests at a time. */
export async function batchedIngest(target: Target, options: BatchedOptions): Promise<BatchedResult> {
  const table = 'orders_batched';
  const flowId = await deploy(target, table);
  const orders = makeOrders(options.records, 'a');
  const bodies: string[] = [];
  for (let i = 0; i < orders.length; i += options.batchSize) bodies.push(JSON.stringify(orders.slice(i, i + options.batchSize)));
  const ingestPath = `/api/flows/${flowId}/ingest`;

  const workerRss = new RssSampler(target.worker.pid);
  const serverRss = new RssSampler(target.server.pid);
  const cpu = cpuAccount({ server: target.server.pid, worker: target.worker.pid });
  const latencies: number[] = [];
  let accepted = 0;
  let throttled = 0;
  let next = 0;
  let ingestDone = false;
  let peakQueued = 0;

  const start = performance.now();
  const send = async (): Promise<void> => {
    for (let i = next++; i < bodies.length; i = next++) {
      for (;;) {
        const t0 = performance.now();
        const answer = await target.client.request('POST', ingestPath, bodies[i]);
        if (answer.status === 202) {
          latencies.push(performance.now() - t0);
          accepted += (JSON.parse(answer.body) as { accepted: number }).accepted;
          break;
        }
        if (answer.status !== 429) throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        throttled += 1;
        await new Promise((r) => setTimeout(r, Number(answer.headers['retry-after'] ?? 1) * 1000));
      }
    }
  };
  const watcher = until(
    'every accepted record to be processed',
    async () => {
      const n = await queued(target.pool, flowId);
      peakQueued = Math.max(peakQueued, n);
      return ingestDone && n === 0;
    },
    DRAIN_TIMEOUT_MS,
    POLL_MS,
    diedOf(target),
  );
  watcher.catch(() => {}); // awaited below; a failed ingest must not leave it unobserved
  await Promise.all(Array.from({ length: options.inFlight }, send));
  const ingestEnd = performance.now();
  const queuedAtIngestEnd = await queued(target.pool, flowId);
  ingestDone = true;
  await watcher;
  const end = performance.now();
  const split = cpu.end();

  const counts = await outcomes(target.pool, flowId, table);
  const endToEndSeconds = (end - start) / 1000;
  const ingestSeconds = (ingestEnd - start) / 1000;
  const result: BatchedResult = {
    records: options.records,
    accepted,
    throttled,
    ingestSeconds,
    ingestPerSecond: accepted / ingestSeconds,
    endToEndSeconds,
    processedPerSecond: (counts.delivered + counts.deadLettered) / endToEndSeconds,
    deliveredPerSecond: counts.delivered / endToEndSeconds,
    ...counts,
    expectedDelivered: orders.filter((_, i) => isValid(i)).length,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    peakQueued,
    processedDuringIngestPerSecond: (accepted - queuedAtIngestEnd) / ingestSeconds,
    processedAfterIngestPerSecond: queuedAtIngestEnd / ((end - ingestEnd) / 1000),
    workerRssPeak: workerRss.peak(),
    workerRssEnd: workerRss.last(),
    serverRssPeak: serverRss.peak(),
    cpu: split,
  };
  workerRss.stop();
  serverRss.stop();
  if (result.delivered !== result.expectedDelivered || result.delivered + result.deadLettered !== options.records) {
    throw new Error(`scenario A lost or doubled records: ${result.delivered} delivered (expected ${result.expectedDelivered}), ${result.deadLettered} dead-lettered, of ${options.records}`);
  }
  return result;
}

export interface SingleOptions {
  clients: number;
  seconds: number;
}

export interface SingleResult {
  clients: number;
  seconds: number;
  requests: number;
  /** Answers 202 per second over the load window. */
  acceptedPerSecond: number;
  accepted: number;
  /** Answers other than 202, by status ("error" for a failed connection). */
  rejected: Record<string, number>;
  rejectedCount: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  validAccepted: number;
  delivered: number;
  deadLettered: number;
  /** Accepted records (202) found neither delivered nor dead-lettered: the durability promise wants 0. */
  lost: number;
  /** Sink rows equal the valid accepted count and dead letters the invalid one, exactly. */
  exact: boolean;
  /** From the end of the load until the worker had processed everything accepted. */
  drainSeconds: number;
  workerRssPeak: number;
  workerRssEnd: number;
  serverRssPeak: number;
  cpu: CpuSplit;
}

/** Scenario B: `clients` keep-alive connections, each posting one order and waiting, for `seconds`. */
export async function singleRecordIngest(target: Target, options: SingleOptions): Promise<SingleResult> {
  const table = 'orders_single';
  const flowId = await deploy(target, table);
  const orders: Order[] = makeOrders(100_000, 'b'); // reused round-robin; 100,000 % 10 === 0 keeps isValid(i)
  const ingestPath = `/api/flows/${flowId}/ingest`;
  const client = new Client(target.client.port, options.clients);
  const workerRss = new RssSampler(target.worker.pid);
  const serverRss = new RssSampler(target.server.pid);
  const died = diedOf(target);
  const latencies: number[] = [];
  const rejected: Record<string, number> = {};
  let next = 0;
  let accepted = 0;
  let validAccepted = 0;

  const cpu = cpuAccount({ server: target.server.pid, worker: target.worker.pid });
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = next++;
      const body = JSON.stringify(orders[i % orders.length]);
      const t0 = performance.now();
      let status: string;
      try {
        status = String((await client.request('POST', ingestPath, body)).status);
      } catch {
        status = 'error';
        await new Promise((r) => setTimeout(r, 50)); // a refused connection must not spin
      }
      latencies.push(performance.now() - t0);
      if (status === '202') {
        accepted += 1;
        if (isValid(i)) validAccepted += 1;
      } else {
        rejected[status] = (rejected[status] ?? 0) + 1;
      }
    }
  };
  await Promise.race([Promise.all(Array.from({ length: options.clients }, loop)), died]);
  const loadEnd = performance.now();
  const split = cpu.end();
  client.close();
  await until('every accepted record to be processed', async () => (await queued(target.pool, flowId)) === 0, DRAIN_TIMEOUT_MS, POLL_MS, died);
  const drainSeconds = (performance.now() - loadEnd) / 1000;

  const counts = await outcomes(target.pool, flowId, table);
  const seconds = (loadEnd - start) / 1000;
  const rejectedCount = Object.values(rejected).reduce((a, b) => a + b, 0);
  const result: SingleResult = {
    clients: options.clients,
    seconds,
    requests: accepted + rejectedCount,
    acceptedPerSecond: accepted / seconds,
    accepted,
    rejected,
    rejectedCount,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    validAccepted,
    ...counts,
    lost: Math.max(0, validAccepted - counts.delivered) + Math.max(0, accepted - validAccepted - counts.deadLettered),
    exact: counts.delivered === validAccepted && counts.deadLettered === accepted - validAccepted,
    drainSeconds,
    workerRssPeak: workerRss.peak(),
    workerRssEnd: workerRss.last(),
    serverRssPeak: serverRss.peak(),
    cpu: split,
  };
  workerRss.stop();
  serverRss.stop();
  return result;
}
