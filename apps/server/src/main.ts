// The process entry: `npm start -- --role=server|worker|all`. Reads settings, brings up the
// database (embedded when DATABASE_URL is unset), starts Sluice, and shuts down cleanly on SIGTERM.
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startSluice, type Sluice } from './sluice.js';
import { startEmbeddedPostgres } from './storage/embedded-postgres.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`sluice: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let sluice: Sluice | null = null;

  // Handlers first: a SIGTERM during start-up must still stop the embedded Postgres.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      if (sluice) await sluice.close();
      if (embedded) await embedded.stop();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is unset: starting the embedded Postgres');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
    databaseUrl = embedded.url;
  }
  if (stopping) return;
  try {
    sluice = await startSluice({
      databaseUrl,
      role: config.role,
      logger,
      port: config.port,
      host: config.host,
      ingestLimitBytes: config.ingestLimitBytes,
      workerConcurrency: config.workerConcurrency,
      consumerLeaseMs: config.consumerLeaseMs,
      dataDir: config.dataDir,
      alertIntervalMs: config.alertIntervalMs,
      admin: { email: config.adminEmail, password: config.adminPassword },
      tls: config.tlsCert && config.tlsKey ? { certFile: config.tlsCert, keyFile: config.tlsKey, clientCaFile: config.tlsClientCa } : undefined,
      keyPepper: config.keyPepper,
      egressAllow: config.egressAllow,
      corsOrigins: config.corsOrigins,
      fileRoot: config.fileRoot,
    });
  } catch (err) {
    // Do not leave the embedded Postgres running behind a failed start.
    if (embedded) await embedded.stop().catch(() => {});
    throw err;
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`sluice: could not start: ${message}`);
  process.exit(1);
});
