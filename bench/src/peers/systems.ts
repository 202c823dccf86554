// The two systems under comparison behind one shape: each starts on its own fresh database, opens a
// sink (an ingest path and the table it ends in) per load, and says how it is killed mid-run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { benchFlow } from '../scenarios.js';
import { Client, createDatabase, spawnSluice, startWorker, until, type BenchDatabase, type SluiceProcess } from '../sluice.js';
import { NODE_RED_PATHS, NODE_RED_SCHEMA, NODE_RED_TABLES, startNodeRed, writeNodeRedUserDir, type NodeRedProcess } from './node-red.js';

export type SystemName = 'sluice' | 'node-red';

/** Where one load sends its orders and how the bench reads what reached the table. */
export interface Sink {
  /** The ingest path on the system's port. */
  path: string;
  /** The status that acknowledges a request (Sluice 202, Node-RED 200). */
  ackStatus: number;
  /** True when an acknowledgement means the row is already in the table (Node-RED answering after its INSERT). */
  storedWhenAnswered: boolean;
  /**
   * Waits until everything acknowledged so far has been processed (Sluice: its backlog is empty;
   * Node-RED: the row count has stopped moving for a second) and returns when that was first seen
   * (a performance.now() time).
   */
  settle(): Promise<number>;
  /** Rows in the table. */
  rows(): Promise<number>;
  /** The order id of every row in the table (one entry per row: doubles show). */
  orderIds(): Promise<string[]>;
  /** The order ids of acknowledged records that were rejected downstream (Sluice's dead letters; Node-RED rejects with 422 instead). */
  rejectedIds(): Promise<string[]>;
}

/** One step of the kill: done when the acknowledged records reach `at` × the run's records. */
export interface KillStep {
  at: number;
  what: string;
  act(): Promise<void>;
}

export interface System {
  name: SystemName;
  port: number;
  /** Its database: the bench counts the CPU time of that database's Postgres backends. */
  databaseName: string;
  /** The processes whose RSS and CPU are the system's, by role. Changes after a kill. */
  processes(): { role: string; pid: number }[];
  /** Rejects when one of the system's processes dies unasked. */
  died(): Promise<never>;
  /** A sink for the load called `load`; Node-RED's `variant` picks when it answers. */
  open(load: string, variant?: 'afterInsert' | 'beforeInsert'): Promise<Sink>;
  /** SIGKILLs with restarts, in order. */
  killSteps(): KillStep[];
  /** Stops the processes, drops the database, removes temporary files. Safe to call twice. */
  close(): Promise<void>;
}

const CreatedFlowSchema = z.object({ id: z.string() });

/** How often the bench polls a backlog or a row count. */
const POLL_MS = 100;
/** Longest wait for a system to finish what it acknowledged (a killed Sluice worker's jobs come back after 15 s). */
const SETTLE_TIMEOUT_MS = 10 * 60_000;

async function count(pool: pg.Pool, table: string): Promise<number> {
  const exists = (await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t;
  if (!exists) return 0;
  return Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]?.n ?? 0);
}

async function orderIds(pool: pg.Pool, table: string): Promise<string[]> {
  const exists = (await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t;
  if (!exists) return [];
  return (await pool.query<{ order_id: string }>(`SELECT order_id FROM "${table}"`)).rows.map((r) => r.order_id);
}

/** A bench pool on the system's database; it ignores errors because the database is dropped under it. */
function benchPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  return pool;
}

/**
 * A free port below the kernel's ephemeral range. A killed system is restarted on its port while the
 * clients keep connecting to it: a port in the ephemeral range could meanwhile be taken as the local
 * end of some outgoing connection (or a client's connection to itself), and the restart would fail.
 */
async function restartablePort(): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = Math.min(low ?? 32768, 32768);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (top - 20_000));
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no free port from 20000 up to the ephemeral range');
}

/** Runs `fn`; if it throws, runs `undo` before rethrowing. */
async function orUndo<T>(fn: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await undo().catch(() => {});
    throw err;
  }
}

/** Sluice: one `--role=server` and one `--role=worker` process, as `npm run bench` starts them. */
export async function startSluice(options: { cpuProfileDir?: string } = {}): Promise<System> {
  const db = await createDatabase();
  const pool = benchPool(db.url);
  let server: SluiceProcess | null = null;
  let worker: SluiceProcess | null = null;
  let client: Client | null = null;
  let closed = false;
  // Every process ever started, so that close() stops one a kill step was still starting.
  const started = new Set<SluiceProcess>();
  const track = async (p: SluiceProcess): Promise<SluiceProcess> => {
    started.add(p);
    if (closed) {
      await p.stop();
      throw new Error('the bench closed Sluice while it was starting');
    }
    return p;
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    client?.close();
    await Promise.all([...started].map((p) => p.stop()));
    await pool.end().catch(() => {});
    await db.drop();
  };
  return orUndo(async () => {
    // What startServer() in ../sluice.ts does, on a port the server can be restarted on.
    const port = await restartablePort();
    const api = new Client(port);
    client = api;
    const serve = async (cpuProfileDir?: string): Promise<SluiceProcess> => {
      const p = await track(spawnSluice({ role: 'server', databaseUrl: db.url, port, cpuProfileDir }));
      await until('the server to answer /api/health', async () => (await api.request('GET', '/api/health')).status === 200, 60_000, POLL_MS, p.died);
      await api.signIn();
      return p;
    };
    server = await serve(options.cpuProfileDir);
    worker = await track(await startWorker(db.url, pool, undefined, options.cpuProfileDir));

    const killAndWait = async (p: SluiceProcess) => {
      process.kill(p.pid, 'SIGKILL');
      await p.died.catch(() => {});
      await p.stop(); // marks it stopped; returns at once
    };

    return {
      name: 'sluice',
      port,
      databaseName: db.name,
      processes: () => [
        ...(server ? [{ role: 'server', pid: server.pid }] : []),
        ...(worker ? [{ role: 'worker', pid: worker.pid }] : []),
      ],
      died: () => Promise.race([server, worker].flatMap((p) => (p ? [p.died] : []))),
      async open(load: string): Promise<Sink> {
        const table = `orders_${load}`;
        // The tests' orders flow without its HTTP sink, as in `npm run bench`.
        const created = CreatedFlowSchema.parse(await api.json('POST', '/api/flows', benchFlow(db.url, table), 201));
        await api.json('POST', `/api/flows/${created.id}/deploy`, undefined, 200);
        const backlog = async () =>
          Number((await pool.query<{ n: string }>('SELECT coalesce(sum(record_count), 0)::bigint AS n FROM chunks WHERE flow_id = $1', [created.id])).rows[0]?.n ?? 0);
        return {
          path: `/api/flows/${created.id}/ingest`,
          ackStatus: 202,
          storedWhenAnswered: false,
          settle: async () => {
            await until('Sluice to process its backlog', async () => (await backlog()) === 0, SETTLE_TIMEOUT_MS, POLL_MS);
            return performance.now();
          },
          rows: () => count(pool, table),
          orderIds: () => orderIds(pool, table),
          rejectedIds: async () =>
            (
              await pool.query<{ order_id: string | null }>("SELECT record->>'order_id' AS order_id FROM dead_letters WHERE flow_id = $1", [created.id])
            ).rows.map((r) => r.order_id ?? ''),
        };
      },
      killSteps: () => [
        {
          at: 1 / 3,
          what: 'SIGKILL the worker',
          act: async () => {
            const w = worker!;
            worker = null;
            await killAndWait(w);
          },
        },
        {
          at: 2 / 3,
          what: 'SIGKILL the server, then restart the server (same port) and the worker',
          act: async () => {
            const s = server!;
            server = null;
            await killAndWait(s);
            server = await serve();
            worker = await track(await startWorker(db.url, pool));
          },
        },
      ],
      close,
    } satisfies System;
  }, close);
}

/** Node-RED: one process on a free port, its own database, settings and flow in a temporary userDir. */
export async function startNodeRedSystem(): Promise<System> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-peers-node-red-'));
  let db: BenchDatabase | null = null;
  let pool: pg.Pool | null = null;
  let nodeRed: NodeRedProcess | null = null;
  let client: Client | null = null;
  let closed = false;
  // Every process ever started, so that close() stops one a kill step was still starting.
  const started = new Set<NodeRedProcess>();
  const launch = async (api: Client): Promise<NodeRedProcess> => {
    const p = await startNodeRed(userDir, api);
    started.add(p);
    if (closed) {
      await p.stop();
      throw new Error('the bench closed Node-RED while it was starting');
    }
    return p;
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    client?.close();
    await Promise.all([...started].map((p) => p.stop()));
    await pool?.end().catch(() => {});
    await db?.drop();
    rmSync(userDir, { recursive: true, force: true });
  };
  return orUndo(async () => {
    db = await createDatabase();
    pool = benchPool(db.url);
    await pool.query(NODE_RED_SCHEMA);
    const port = await restartablePort();
    writeNodeRedUserDir(userDir, port, db.url);
    client = new Client(port);
    nodeRed = await launch(client);
    const p = pool;
    const api = client;
    const databaseName = db.name;
    return {
      name: 'node-red',
      port,
      databaseName,
      processes: () => (nodeRed ? [{ role: 'node-red', pid: nodeRed.pid }] : []),
      died: () => (nodeRed ? nodeRed.died : new Promise<never>(() => {})),
      async open(_load: string, variant: 'afterInsert' | 'beforeInsert' = 'afterInsert'): Promise<Sink> {
        const table = NODE_RED_TABLES[variant];
        await p.query(`TRUNCATE ${table}`); // one table per variant, emptied for each load
        return {
          path: NODE_RED_PATHS[variant],
          ackStatus: 200,
          storedWhenAnswered: variant === 'afterInsert',
          // Rows are in before the answer (afterInsert) or soon after it (beforeInsert): wait until
          // the count has not moved for a second, and report when it reached its final value.
          settle: async () => {
            let last = -1;
            let since = performance.now();
            let still = 0;
            await until(
              'the Node-RED table to stop growing',
              async () => {
                const n = await count(p, table);
                if (n === last) {
                  still += 1;
                } else {
                  still = 0;
                  last = n;
                  since = performance.now();
                }
                return still >= 1000 / POLL_MS;
              },
              SETTLE_TIMEOUT_MS,
              POLL_MS,
            );
            return since;
          },
          rows: () => count(p, table),
          orderIds: () => orderIds(p, table),
          rejectedIds: async () => [],
        };
      },
      killSteps: () => [
        {
          at: 1 / 2,
          what: 'SIGKILL node-red, then restart it (same port and flow)',
          act: async () => {
            const old = nodeRed!;
            nodeRed = null;
            await old.kill();
            nodeRed = await launch(api);
          },
        },
      ],
      close,
    } satisfies System;
  }, close);
}
