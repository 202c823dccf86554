import path from 'node:path';
import { z } from 'zod';
import { EmailSchema } from '@sluice/shared';

const RoleSchema = z.enum(['server', 'worker', 'all']);
export type Role = z.infer<typeof RoleSchema>;

/** Settings from the environment, each with its default. */
export const ConfigSchema = z.object({
  /** Postgres to use; unset means an embedded Postgres kept in `<dataDir>/pg`. */
  databaseUrl: z.string().min(1).optional(),
  /** HTTP port. Default 3000. */
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on. Default 127.0.0.1 (set 0.0.0.0 to serve other machines). */
  host: z.string().default('127.0.0.1'),
  /** Local state (embedded Postgres). Default ./.sluice */
  dataDir: z.string().default(path.resolve('.sluice')),
  /** What this process runs. Default all. */
  role: RoleSchema.default('all'),
  /** Largest ingest body in bytes. Default 10 MB. */
  ingestLimitBytes: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Chunk jobs one worker process runs at once. Default 8. */
  workerConcurrency: z.coerce.number().int().min(1).max(100).default(8),
  /** How long a worker's hold on a broker source lasts without renewal, ms. Default 15000. */
  consumerLeaseMs: z.coerce.number().int().min(2000).max(300_000).default(15_000),
  /** The first admin's email, used when there are no users yet. Default admin@localhost. */
  adminEmail: EmailSchema.optional(),
  /** The first admin's password; unset: generated and written to <dataDir>/initial-admin-password. */
  adminPassword: z.string().min(12, 'SLUICE_ADMIN_PASSWORD needs at least 12 characters').optional(),
  /** Log level. Default info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const roleArg = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
  const parsed = ConfigSchema.safeParse({
    databaseUrl: env.DATABASE_URL || undefined,
    port: env.PORT || undefined,
    host: env.HOST || undefined,
    dataDir: env.SLUICE_DATA_DIR ? path.resolve(env.SLUICE_DATA_DIR) : undefined,
    role: roleArg,
    ingestLimitBytes: env.SLUICE_INGEST_LIMIT_BYTES || undefined,
    workerConcurrency: env.SLUICE_WORKER_CONCURRENCY || undefined,
    consumerLeaseMs: env.SLUICE_CONSUMER_LEASE_MS || undefined,
    logLevel: env.LOG_LEVEL || undefined,
    adminEmail: env.SLUICE_ADMIN_EMAIL || undefined,
    adminPassword: env.SLUICE_ADMIN_PASSWORD || undefined,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
