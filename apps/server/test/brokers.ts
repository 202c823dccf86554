// Shared by the broker tests: real worker processes (killed with SIGKILL), the two flows every broker
// is tried with (broker → Postgres, webhook → broker), and the checks on the Postgres table.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DeadLetterPage, FlowConnectors, Graph } from '@sluice/shared';
import { waitFor, type TestSluice } from './harness.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A name no other test run uses: broker queues, streams, subjects and topics outlive a test. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface WorkerProcess {
  child: ChildProcess;
  log: string[];
}

/** A real worker process (`--role=worker`), as an operator runs it; WORKER_LOG_LEVEL=info shows its log when debugging. */
export function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--role=worker'], {
    // The test brokers and receivers listen on loopback, which the egress guard refuses unless listed.
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.WORKER_LOG_LEVEL ?? 'warn', SLUICE_WORKER_CONCURRENCY: '4', SLUICE_EGRESS_ALLOW: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return { child, log };
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function killAll(children: ChildProcess[]): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
}

/** A broker source feeding a Postgres table: one row per record, keyed on the record id, with the message's `seq`. */
export function brokerToPostgres(source: { type: string; config: Record<string, unknown> }, databaseUrl: string, table: string): Graph {
  return {
    name: `${source.type} to postgres`,
    nodes: [
      { id: 'in', type: source.type, config: source.config, position: { x: 0, y: 0 } },
      {
        id: 'pg',
        type: 'sink.postgres',
        config: {
          connectionString: databaseUrl,
          table,
          columns: [
            { name: 'seq', type: 'integer' },
            { name: 'raw', source: '$', type: 'jsonb' },
          ],
          retry: { strategy: 'fixed', maxAttempts: 20, baseDelayMs: 200, maxDelayMs: 1000 },
        },
        position: { x: 300, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'pg' }],
  };
}

/** A webhook feeding a broker sink. */
export function webhookToBroker(sink: { type: string; config: Record<string, unknown> }): Graph {
  return {
    name: `webhook to ${sink.type}`,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'out', type: sink.type, config: { retry: { strategy: 'fixed', maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 1000 }, ...sink.config }, position: { x: 300, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
  };
}

/** Rows in the sink table so far (0 before the sink created it). */
export async function rowCount(t: TestSluice, table: string): Promise<number> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM ${table}`).catch(() => ({ rows: [{ n: 0 }] }));
  return rows[0].n as number;
}

/** Every message 0..n-1 is in the table exactly once: n rows, n distinct seqs, n distinct record ids. */
export async function expectEachOnce(t: TestSluice, table: string, n: number): Promise<void> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS seqs, min(seq) AS lo, max(seq) AS hi FROM ${table}`);
  expect(rows[0]).toEqual({ rows: n, seqs: n, lo: 0, hi: n - 1 });
}

/**
 * A worker process consumes until some rows are in, is killed with SIGKILL mid-way, and a second one
 * takes over the lease (5 s) and finishes: afterwards every message 0..n-1 is in the table exactly once.
 * `children` collects the processes for the test's cleanup. Returns the second worker.
 */
export async function killFirstWorkerThenFinish(t: TestSluice, table: string, n: number, children: ChildProcess[]): Promise<WorkerProcess> {
  const first = startWorkerProcess(t.databaseUrl, { SLUICE_CONSUMER_LEASE_MS: '5000' });
  children.push(first.child);
  await waitFor('the first worker to write some rows', async () => ((await rowCount(t, table)) >= 1500 ? true : undefined), 60_000, 50);
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect(await rowCount(t, table)).toBeLessThan(n); // killed mid-way, not after

  const second = startWorkerProcess(t.databaseUrl, { SLUICE_CONSUMER_LEASE_MS: '5000' });
  children.push(second.child);
  await waitFor('every message in the table', async () => ((await rowCount(t, table)) >= n ? true : undefined), 120_000, 250);
  await expectEachOnce(t, table, n);
  return second;
}

/** The connector status of the flow's node, once `accept` says it is what the test waits for. */
export async function waitForConnector(t: TestSluice, flowId: string, nodeId: string, what: string, accept: (c: FlowConnectors['connectors'][number]) => boolean, timeoutMs = 30_000) {
  return waitFor(
    what,
    async () => {
      const res = await t.api<FlowConnectors>('GET', `/api/flows/${flowId}/connectors`);
      const connector = res.body.connectors?.find((c) => c.nodeId === nodeId);
      return connector && accept(connector) ? connector : undefined;
    },
    timeoutMs,
    250,
  );
}

/**
 * The one poison message among the good ones became a dead letter at the source, kind `invalid`,
 * with its text as the record and the reason; then it is edited into a good record and retried from
 * the source node, and lands in the table like the others (`fixedSeq` is its seq).
 */
export async function expectPoisonDeadLetteredAndRetried(t: TestSluice, flowId: string, table: string, poison: { raw: string; reason: string; fixedSeq: number; good: number }): Promise<void> {
  await waitFor('the good messages in the table', async () => ((await rowCount(t, table)) >= poison.good ? true : undefined), 60_000, 100);
  const page = await waitFor('the poison message dead-lettered', async () => {
    const res = await t.api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters`);
    return res.body.items.length > 0 ? res.body : undefined;
  }, 30_000);
  await expectEachOnce(t, table, poison.good);
  expect(page.items).toHaveLength(1);
  const [letter] = page.items;
  expect(letter).toMatchObject({ nodeId: 'in', status: 'pending', record: { text: poison.raw }, error: { kind: 'invalid' } });
  expect(letter!.error.message).toContain(poison.reason);

  const edited = await t.api('PATCH', `/api/dead-letters/${letter!.id}`, { record: { seq: poison.fixedSeq, note: 'fixed by hand' } });
  expect(edited.status).toBe(200);
  const retried = await t.api<{ count: number }>('POST', '/api/dead-letters/retry', { ids: [letter!.id] });
  expect(retried.body).toEqual({ count: 1 });
  await waitFor('the retried record in the table', async () => ((await rowCount(t, table)) >= poison.good + 1 ? true : undefined), 60_000, 100);
  await expectEachOnce(t, table, poison.good + 1);
  const after = await t.api<DeadLetterPage>('GET', `/api/flows/${flowId}/dead-letters`);
  expect(after.body.items.map((d) => d.status)).toEqual(['retried']);
}
