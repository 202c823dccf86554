import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterPage } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { makeOrders, ordersFlow, startReceiver } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A real worker process (`--role=worker`), as an operator runs it. */
function startWorkerProcess(databaseUrl: string): { child: ChildProcess; log: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--role=worker'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', SLUICE_WORKER_CONCURRENCY: '8', SLUICE_EGRESS_ALLOW: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return { child, log };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('a worker killed with SIGKILL mid-run (done-means 3)', () => {
  let t: TestSluice;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await receiver?.close();
    await t?.stop();
  });

  it('loses nothing and writes no duplicate rows once a new worker takes over', async () => {
    const flow = await deployFlow(t, ordersFlow({ receiverUrl: receiver.url, databaseUrl: t.databaseUrl, table: 'crash_orders', httpBatchSize: 50 }));
    const orders = makeOrders(20_000);
    const accepted: string[] = [];
    for (let i = 0; i < orders.length; i += 1000) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, orders.slice(i, i + 1000));
      expect(res.status).toBe(202);
      accepted.push(...res.body.ids);
    }
    const count = async () => Number((await t.pool.query('SELECT count(*) AS n FROM crash_orders').catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

    const { child: first } = startWorkerProcess(t.databaseUrl);
    children.push(first);
    await waitFor('the first worker to deliver some orders', async () => ((await count()) >= 2000 ? true : undefined), 60_000, 50);
    first.kill('SIGKILL');
    await exited(first);
    const killedAt = Date.now();
    const deliveredAtKill = await count();
    expect(deliveredAtKill).toBeLessThan(18_000); // killed mid-run, not after

    const { child: second, log } = startWorkerProcess(t.databaseUrl);
    children.push(second);
    await waitFor('every valid order in the sink table', async () => ((await count()) === 18_000 ? true : undefined), 90_000, 250);
    await waitFor('every chunk finished', async () => {
      const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM chunks');
      return rows[0].n === 0 ? true : undefined;
    }, 60_000);
    // The dead worker's locked jobs were released within the promised 30 s (plus this machine's slack).
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    // …and it was the reaper that released them: the new worker says so.
    expect(log.join('')).toContain('released jobs locked by dead workers');

    const { rows } = await t.pool.query('SELECT sluice_id::text AS id, count(*) OVER (PARTITION BY order_id) AS copies FROM crash_orders');
    expect(rows).toHaveLength(18_000);
    expect(rows.every((r) => Number(r.copies) === 1)).toBe(true);
    const expected = new Set(accepted.filter((_, i) => i % 10 !== 9));
    expect(new Set(rows.map((r) => r.id))).toEqual(expected);

    const { rows: dl } = await t.pool.query("SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS d FROM dead_letters WHERE node_id = 'rules'");
    expect(dl[0]).toEqual({ n: 2000, d: 2000 });
    const page = await t.api<DeadLetterPage>('GET', `/api/flows/${flow.id}/dead-letters?limit=1`);
    expect(page.body.items[0]!.error.kind).toBe('invalid');

    // The HTTP receiver saw every valid record's id (batches of 50: ids are in the bodies).
    const seen = new Set(receiver.delivered().flatMap((r) => (r.body as { id: string }[]).map((x) => x.id)));
    for (const id of expected) expect(seen.has(id)).toBe(true);
  });
});
