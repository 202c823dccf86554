// The Sluice a chaos scenario works on: a fresh database, a server and a worker as child processes
// (so either can be killed), the orders flow into the Postgres sink, and the exact accounting of
// what became of every accepted record, read from the tables.
import pg from 'pg';
import type { Graph } from '@sluice/shared';
import { makeOrders, ordersFlow } from '../../../apps/server/test/fixtures.js';
import { createDatabase, startServer, startWorker, type BenchDatabase, type Client, type SluiceProcess } from '../sluice.js';

export interface ChaosTarget {
  db: BenchDatabase;
  server: SluiceProcess;
  /** Signed in as the bench admin (startServer does that). */
  client: Client;
  /** The bench's own connection to the Sluice database; survives its sessions being terminated. */
  pool: pg.Pool;
  worker: SluiceProcess;
  workerConcurrency: number;
}

export async function startTarget(workerConcurrency: number): Promise<ChaosTarget> {
  const db = await createDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 4, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // terminated idle sessions during an outage: the next query reconnects
  try {
    const { process: server, client } = await startServer(db.url);
    let worker: SluiceProcess;
    try {
      worker = await startWorker(db.url, pool, workerConcurrency);
    } catch (err) {
      client.close();
      await server.stop(5_000);
      throw err;
    }
    return { db, server, client, pool, worker, workerConcurrency };
  } catch (err) {
    await pool.end().catch(() => {});
    await db.drop().catch(() => {});
    throw err;
  }
}

export async function stopTarget(target: ChaosTarget): Promise<void> {
  target.client.close();
  await Promise.allSettled([target.worker.stop(10_000), target.server.stop(10_000)]);
  await target.pool.end().catch(() => {});
  await target.db.drop();
}

/** The tests' orders flow without its HTTP sink: webhook → map → rules → mask → Postgres. */
export function chaosFlow(databaseUrl: string, table: string): Graph {
  const graph = ordersFlow({ receiverUrl: 'http://127.0.0.1:9/unused', databaseUrl, table });
  return {
    ...graph,
    name: `chaos ${table}`,
    description: 'webhook → map → rules → mask → Postgres',
    nodes: graph.nodes.filter((n) => n.id !== 'http'),
    edges: graph.edges.filter((e) => e.source !== 'http' && e.target !== 'http'),
  };
}

export async function deployFlow(target: ChaosTarget, table: string): Promise<string> {
  const created = (await target.client.json('POST', '/api/flows', chaosFlow(target.db.url, table), 201)) as { id: string };
  await target.client.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
  return created.id;
}

/** One order batch and the ids ingest gave its records, once accepted. */
export interface Batch {
  body: string;
  /** Index in makeOrders of the first order: validity is by index (every 10th is invalid). */
  first: number;
  size: number;
}

/** `records` orders in batches; `prefix` keeps order ids unique across the calls of one run. */
export function orderBatches(records: number, batchSize: number, prefix = 'chaos'): Batch[] {
  const orders = makeOrders(records, prefix);
  const batches: Batch[] = [];
  for (let i = 0; i < orders.length; i += batchSize) {
    const slice = orders.slice(i, i + batchSize);
    batches.push({ body: JSON.stringify(slice), first: i, size: slice.length });
  }
  return batches;
}

/** The fixture's rule: order i is valid unless i % 10 === 9. */
export const isValidOrder = (index: number) => index % 10 !== 9;

/** What the client knows: ids of accepted records, split by whether the rule should pass them. */
export class Accepted {
  readonly valid = new Set<string>();
  readonly invalid = new Set<string>();

  add(batch: Batch, ids: readonly string[]): void {
    ids.forEach((id, k) => (isValidOrder(batch.first + k) ? this.valid : this.invalid).add(id));
  }

  get count(): number {
    return this.valid.size + this.invalid.size;
  }
}

export interface Accounting {
  accepted: number;
  /** Rows in the sink table, and distinct record ids among them. */
  sinkRows: number;
  delivered: number;
  deadLetterRows: number;
  deadLettered: number;
  /** Extra copies: sink rows beyond one per id, dead letters beyond one per id, ids in both. */
  duplicates: number;
  /** Accepted ids found nowhere: not in the sink, not among the dead letters, not waiting in a chunk. */
  lost: number;
  /** Accepted ids still waiting in chunks (durable, not yet processed). */
  unfinished: number;
  /** Valid orders dead-lettered, or invalid ones in the sink. */
  misplaced: number;
  /** Records in the sink or the dead letters that no 202 answered for (committed, but the client saw an error). */
  unacknowledged: number;
  /** Order ids present more than once in the sink (an order sent again after an unclear answer). */
  ordersTwice: number;
}

/** Counts from the tables, compared with what the client was told. */
export async function account(pool: pg.Pool, flowId: string, table: string, accepted: Accepted): Promise<Accounting> {
  const sink = await pool.query<{ id: string; order_id: string }>(`SELECT sluice_id::text AS id, order_id FROM "${table}"`);
  const dead = await pool.query<{ id: string }>('SELECT record_id::text AS id FROM dead_letters WHERE flow_id = $1', [flowId]);
  const waiting = await pool.query<{ id: string }>("SELECT r->>'id' AS id FROM chunks, json_array_elements(records::json) AS r WHERE flow_id = $1", [flowId]);
  const waitingIds = new Set(waiting.rows.map((r) => r.id));
  const sinkIds = new Set(sink.rows.map((r) => r.id));
  const deadIds = new Set(dead.rows.map((r) => r.id));
  const orderIds = new Set(sink.rows.map((r) => r.order_id));
  let both = 0;
  for (const id of sinkIds) if (deadIds.has(id)) both += 1;
  let lost = 0;
  let unfinished = 0;
  let misplaced = 0;
  const check = (id: string, home: Set<string>) => {
    if (sinkIds.has(id) || deadIds.has(id)) {
      if (!home.has(id)) misplaced += 1;
    } else if (waitingIds.has(id)) unfinished += 1;
    else lost += 1;
  };
  for (const id of accepted.valid) check(id, sinkIds);
  for (const id of accepted.invalid) check(id, deadIds);
  let unacknowledged = 0;
  for (const id of new Set([...sinkIds, ...deadIds])) if (!accepted.valid.has(id) && !accepted.invalid.has(id)) unacknowledged += 1;
  return {
    accepted: accepted.count,
    sinkRows: sink.rows.length,
    delivered: sinkIds.size,
    deadLetterRows: dead.rows.length,
    deadLettered: deadIds.size,
    duplicates: sink.rows.length - sinkIds.size + (dead.rows.length - deadIds.size) + both,
    lost,
    unfinished,
    misplaced,
    unacknowledged,
    ordersTwice: sink.rows.length - orderIds.size,
  };
}

/** Records waiting in the flow's chunks, or null while the database cannot be reached. */
export async function backlog(pool: pg.Pool, flowId: string): Promise<number | null> {
  try {
    const { rows } = await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks WHERE flow_id = $1', [flowId]);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

/** Records finished so far: rows in the sink table plus dead letters; null while unreachable. */
export async function finished(pool: pg.Pool, flowId: string, table: string): Promise<number | null> {
  try {
    const exists = (await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t;
    const { rows } = await pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM dead_letters WHERE flow_id = $1) + ${exists ? `(SELECT count(*) FROM "${table}")` : '0'} AS n`,
      [flowId],
    );
    return Number(rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `check` is true, `timeoutMs` passes or `hopeless()` says waiting is pointless (the
 * process that would do the work has died); returns whether it became true. Never throws.
 */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200, hopeless: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !hopeless()) {
    if (await check().catch(() => false)) return true;
    await sleep(everyMs);
  }
  return false;
}

/** One ingest call as the client saw it. */
export interface Call {
  /** Date.now() when it was sent. */
  at: number;
  ms: number;
  /** The HTTP status, or "no answer (…)". */
  status: string;
}

/**
 * Posts a batch until it is accepted, as a careful client would: after a 429 it waits the
 * Retry-After, after anything else `retryMs`. Every answer goes to `calls`.
 */
export async function ingestUntilAccepted(target: ChaosTarget, flowId: string, batch: Batch, accepted: Accepted, calls: Call[], retryMs: number): Promise<void> {
  for (;;) {
    const at = Date.now();
    let status: string;
    let retryAfter: string | undefined;
    try {
      const answer = await target.client.request('POST', `/api/flows/${flowId}/ingest`, batch.body);
      status = String(answer.status);
      retryAfter = answer.headers['retry-after'] as string | undefined;
      if (answer.status === 202) accepted.add(batch, (JSON.parse(answer.body) as { ids: string[] }).ids);
    } catch (err) {
      status = `no answer (${(err as Error).message.slice(0, 60)})`;
    }
    calls.push({ at, ms: Date.now() - at, status });
    if (status === '202') return;
    await sleep(status === '429' ? Number(retryAfter ?? 1) * 1000 : retryMs);
  }
}

/** Sends batches `inFlight` at a time, each until accepted. */
export async function ingestAll(target: ChaosTarget, flowId: string, batches: Batch[], inFlight: number, accepted: Accepted, calls: Call[], retryMs: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < batches.length; i = next++) await ingestUntilAccepted(target, flowId, batches[i]!, accepted, calls, retryMs);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batches.length) }, sender));
}

/** Answers by status, e.g. { "202": 90, "429": 3 }. */
export function countStatuses(calls: readonly Call[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return counts;
}

/** Why a child process died, in a line: the exit, the error it printed, and where that came from. */
export function exitReason(err: Error): string {
  const lines = err.message.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /^(\w*Error|error)\b.*:/.test(l));
  const frames = lines.filter((l) => l.startsWith('at ') && !l.includes('node:internal'));
  // The library frame says which operation failed (e.g. graphile-worker's batchFailJobs).
  const frame = frames.find((l) => l.includes('graphile-worker')) ?? frames[0];
  return [lines[0], error, frame].filter(Boolean).join(' — ');
}
