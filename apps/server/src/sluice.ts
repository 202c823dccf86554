// The composition root: given a database and a role, start the HTTP API and websocket relay
// (server), the chunk runner (worker), or both. Tests start Sluice through here too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Role } from './config.js';
import { PlanCache } from './compiler/plan-cache.js';
import { ExternalPools } from './engine/connections.js';
import { ConsumerSupervisor } from './engine/consumers.js';
import { startWorker, type EngineWorker } from './engine/worker.js';
import { createHttpApp } from './http/app.js';
import { IngestService } from './ingest/ingest.js';
import type { Logger } from './logger.js';
import { Relay } from './realtime/relay.js';
import { createDb, createPool } from './storage/db.js';
import { applyMigrations } from './storage/migrate.js';
import { Authenticator } from './auth/authenticate.js';
import { ensureFirstAdmin } from './auth/bootstrap.js';
import { LoginLimiter } from './auth/rate-limit.js';
import type { RouteDeclaration } from './http/route-table.js';

export interface SluiceOptions {
  databaseUrl: string;
  role: Role;
  logger: Logger;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 10 MB. */
  ingestLimitBytes?: number;
  /** Default 8. */
  workerConcurrency?: number;
  /** Default 1000 ms. */
  workerPollIntervalMs?: number;
  /** How long a worker's hold on a broker source lasts without renewal (a dead worker's sources move after this). Default 15000 ms. */
  consumerLeaseMs?: number;
  /** Where local state goes (the first admin's generated password). Default ./.sluice */
  dataDir?: string;
  /** The first admin, created when there are no users. Default admin@localhost with a generated password. */
  admin?: { email?: string; password?: string };
}

export interface Sluice {
  /** http://host:port when this process serves HTTP. */
  url: string | null;
  /** The API's routes: as declared (with their access) and as express has them. Null without HTTP. */
  routes: { declared: RouteDeclaration[]; registered: string[] } | null;
  worker: EngineWorker | null;
  /** The broker sources this process consumes (worker roles). */
  consumers: ConsumerSupervisor | null;
  close(): Promise<void>;
}

export async function startSluice(options: SluiceOptions): Promise<Sluice> {
  const { logger } = options;
  const pool = createPool(options.databaseUrl, 20);
  await applyMigrations(pool);
  const db = createDb(pool);
  const externalPools = new ExternalPools();
  const plans = new PlanCache(db, externalPools, logger);
  // Both roles take records in: servers from HTTP pushes, workers from pulls and brokers.
  const ingest = new IngestService(pool, db, plans);

  let worker: EngineWorker | null = null;
  let consumers: ConsumerSupervisor | null = null;
  if (options.role === 'worker' || options.role === 'all') {
    worker = await startWorker({
      pool,
      plans,
      logger,
      concurrency: options.workerConcurrency,
      pollIntervalMs: options.workerPollIntervalMs,
    });
    consumers = new ConsumerSupervisor({ pool, plans, ingest, logger, processId: worker.reaper.processId, leaseMs: options.consumerLeaseMs });
    consumers.start();
  }

  let server: http.Server | null = null;
  let relay: Relay | null = null;
  let url: string | null = null;
  let routeInfo: Sluice['routes'] = null;
  if (options.role === 'server' || options.role === 'all') {
    await ensureFirstAdmin(pool, { ...options.admin, dataDir: options.dataDir ?? '.sluice' }, logger);
    const auth = new Authenticator(pool);
    const routes: RouteDeclaration[] = [];
    const app = createHttpApp({
      auth,
      loginLimiter: new LoginLimiter(pool),
      routes,
      tls: false,
      pool,
      db,
      plans,
      ingest,
      logger,
      ingestLimitBytes: options.ingestLimitBytes ?? 10 * 1024 * 1024,
      flowChanged: (flowId) => ingest.invalidate(flowId),
    });
    routeInfo = { declared: routes, registered: app.locals.apiRoutes as string[] };
    server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    relay = new Relay(server, pool, db, auth, logger);
    await relay.start();
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(options.port ?? 3000, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    logger.info({ url, role: options.role }, 'sluice is serving');
  }

  return {
    url,
    routes: routeInfo,
    worker,
    consumers,
    async close() {
      // Stop taking requests first, then let the worker finish or hand back its jobs.
      if (relay) await relay.close();
      if (server) {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      // Broker sources stop before the worker: their last batches commit, then leases are given up.
      if (consumers) await consumers.stop();
      if (worker) await worker.stop();
      await externalPools.closeAll();
      await pool.end();
    },
  };
}
