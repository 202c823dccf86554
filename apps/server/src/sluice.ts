// The composition root: given a database and a role, start the HTTP API and websocket relay
// (server), the chunk runner (worker), or both. Tests start Sluice through here too.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Role } from './config.js';
import { PlanCache } from './compiler/plan-cache.js';
import { ExternalPools } from './engine/connections.js';
import { ConsumerSupervisor } from './engine/consumers.js';
import { startWorker, type EngineWorker } from './engine/worker.js';
import { createRequestListener } from './http/app.js';
import { defaultFileRoot } from './ingest/file-folder.js';
import { IngestService } from './ingest/ingest.js';
import type { Logger } from './logger.js';
import { Relay } from './realtime/relay.js';
import { createDb, createPool } from './storage/db.js';
import { applyMigrations } from './storage/migrate.js';
import { Authenticator } from './auth/authenticate.js';
import { RevocationListener } from './auth/revocations.js';
import { ensureFirstAdmin } from './auth/bootstrap.js';
import { LoginLimiter } from './auth/rate-limit.js';
import type { RouteDeclaration } from './http/route-table.js';
import { AuditLog } from './audit/audit-log.js';
import { SourceAuthenticator } from './ingest/source-auth.js';
import { loadKeyPepper } from './ingest/source-keys.js';
import { loadKeyring, type Keyring } from './vault/keyring.js';
import { Vault } from './vault/secrets.js';
import { createEgressFetch, egressPolicy } from './egress/guard.js';
import { AlertEvaluator } from './observability/alert-evaluator.js';
import { IngestRequestCounter } from './observability/ingest-requests.js';

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
  /**
   * Serve HTTPS only (TLS 1.3 and up) with these PEM files; with `clientCa`, client certificates
   * are requested (never required for the whole server) so mtls sources can check them. Default: plain HTTP.
   */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /** Pepper for source API key hashes. Default: SLUICE_KEY_PEPPER, else `<dataDir>/key-pepper`. */
  keyPepper?: string;
  /** How long repeated failures (bad ingest keys, 401s) are coalesced into one audit entry, ms. Default 60 000. */
  auditCoalesceMs?: number;
  /** The vault's keys. Default: SLUICE_SECRET_KEY / SLUICE_SECRET_KEY_PREVIOUS, else the key file in the data dir. */
  keyring?: Keyring;
  /** SLUICE_EGRESS_ALLOW: private addresses, CIDRs or host names outbound requests may reach. Default none. */
  egressAllow?: string[];
  /** File sources may read folders under this only (SLUICE_FILE_ROOT). Default `<dataDir>/inbox`. */
  fileRoot?: string;
  /** Origins allowed to call the API from a browser (CORS). Default none: CORS stays closed. */
  corsOrigins?: string[];
  /** How often the alert rules are evaluated, cluster-wide, ms. Default 15000. */
  alertIntervalMs?: number;
}

export interface Sluice {
  /** http://host:port when this process serves HTTP. */
  url: string | null;
  /** The API's routes: as declared (with their access) and as express has them. Null without HTTP. */
  routes: { declared: RouteDeclaration[]; registered: string[] } | null;
  worker: EngineWorker | null;
  alerts: AlertEvaluator;
  /** The broker sources this process consumes (worker roles). */
  consumers: ConsumerSupervisor | null;
  close(): Promise<void>;
}

export async function startSluice(options: SluiceOptions): Promise<Sluice> {
  const { logger } = options;
  // Read the certificates first: a missing file stops the start before anything else is opened.
  const tls = options.tls && options.role !== 'worker' ? readTlsFiles(options.tls) : null;
  const pool = createPool(options.databaseUrl, 20);
  await applyMigrations(pool);
  const db = createDb(pool);
  const egress = egressPolicy(options.egressAllow);
  // Every outbound connection goes through the guard: node fetches, database and broker connections,
  // alert and run notifications, JWKS.
  const egressFetch = createEgressFetch(egress);
  const externalPools = new ExternalPools(egress);
  const keyring = options.keyring ?? loadKeyring({ key: process.env.SLUICE_SECRET_KEY, previous: process.env.SLUICE_SECRET_KEY_PREVIOUS, dataDir: options.dataDir ?? '.sluice' });
  const vault = new Vault(pool, keyring);
  const plans = new PlanCache(db, externalPools, logger, vault, egressFetch);
  // Both roles take records in: servers from HTTP pushes, workers from pulls and brokers.
  const ingest = new IngestService(pool, db, plans, keyring, logger);

  const fileRoot = options.fileRoot ?? defaultFileRoot(options.dataDir ?? '.sluice');
  let worker: EngineWorker | null = null;
  let consumers: ConsumerSupervisor | null = null;
  if (options.role === 'worker' || options.role === 'all') {
    worker = await startWorker({
      pool,
      plans,
      ingest,
      logger,
      keyring,
      egressFetch,
      fileRoot,
      concurrency: options.workerConcurrency,
      pollIntervalMs: options.workerPollIntervalMs,
    });
    consumers = new ConsumerSupervisor({ pool, plans, ingest, logger, processId: worker.reaper.processId, leaseMs: options.consumerLeaseMs });
    consumers.start();
  }

  // Every process offers to evaluate the alert rules; an advisory lock lets one at a time do it.
  const alerts = new AlertEvaluator(pool, logger, { intervalMs: options.alertIntervalMs });
  alerts.start();

  let server: http.Server | https.Server | null = null;
  let relay: Relay | null = null;
  let audit: AuditLog | null = null;
  let url: string | null = null;
  let routeInfo: Sluice['routes'] = null;
  let ingestRequests: IngestRequestCounter | null = null;
  let revocations: RevocationListener | null = null;
  let sourceAuth: SourceAuthenticator | null = null;
  if (options.role === 'server' || options.role === 'all') {
    await ensureFirstAdmin(pool, { ...options.admin, dataDir: options.dataDir ?? '.sluice' }, logger);
    // Revocations announced by any process (or by SQL) reach this one's caches and sockets at once.
    revocations = new RevocationListener(pool, logger);
    const auth = new Authenticator(pool, revocations);
    const routes: RouteDeclaration[] = [];
    const dataDir = options.dataDir ?? '.sluice';
    const keyPepper = loadKeyPepper(options.keyPepper, dataDir);
    audit = new AuditLog(pool, logger, options.auditCoalesceMs);
    sourceAuth = new SourceAuthenticator(pool, keyPepper, egressFetch, revocations, logger);
    sourceAuth.start();
    ingestRequests = new IngestRequestCounter(pool, logger);
    ingestRequests.start();
    const { app, listener } = createRequestListener({
      auth,
      loginLimiter: new LoginLimiter(pool),
      routes,
      tls: tls !== null,
      clientCertificates: tls?.ca !== undefined,
      fileRoot,
      audit,
      sourceAuth,
      keyPepper,
      corsOrigins: options.corsOrigins ?? [],
      vault,
      secretsChanged: () => plans.clear(),
      pool,
      db,
      plans,
      ingest,
      ingestRequests,
      logger,
      ingestLimitBytes: options.ingestLimitBytes ?? 10 * 1024 * 1024,
      flowChanged: (flowId) => ingest.invalidate(flowId),
    });
    routeInfo = { declared: routes, registered: app.locals.apiRoutes as string[] };
    server = tls
      ? https.createServer(
          {
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.3',
            // Asked for, not required: only mtls sources refuse a connection without a verified one.
            ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {}),
          },
          listener,
        )
      : http.createServer(listener);
    server.keepAliveTimeout = 65_000;
    relay = new Relay(server, pool, db, auth, logger, audit, revocations);
    await relay.start();
    await revocations.start();
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(options.port ?? 3000, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    logger.info({ url, role: options.role }, 'sluice is serving');
  }

  return {
    url,
    routes: routeInfo,
    worker,
    alerts,
    consumers,
    async close() {
      await alerts.stop();
      // Stop taking requests first, then let the worker finish or hand back its jobs.
      if (relay) await relay.close();
      if (revocations) await revocations.close();
      sourceAuth?.stop();
      if (server) {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      if (audit) await audit.close();
      if (ingestRequests) await ingestRequests.stop();
      // Broker sources stop before the worker: their last batches commit, then leases are given up.
      if (consumers) await consumers.stop();
      if (worker) await worker.stop();
      await externalPools.closeAll();
      await pool.end();
    },
  };
}

function readTlsFiles(files: NonNullable<SluiceOptions['tls']>): { cert: Buffer; key: Buffer; ca?: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { cert: read(files.certFile, 'certificate'), key: read(files.keyFile, 'key'), ...(files.clientCaFile ? { ca: read(files.clientCaFile, 'client CA') } : {}) };
}
