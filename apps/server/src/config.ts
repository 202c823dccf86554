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
  /** PEM certificate and key files: when both are set, Sluice serves HTTPS only (TLS 1.3). Default unset: HTTP. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** PEM CA file for client certificates (mtls webhook sources). Default unset. */
  tlsClientCa: z.string().min(1).optional(),
  /** Pepper for source API key hashes; every server process must share it. Default: `<dataDir>/key-pepper`. */
  keyPepper: z.string().min(16, 'SLUICE_KEY_PEPPER needs at least 16 characters').optional(),
  /** SLUICE_EGRESS_ALLOW: comma-separated private addresses, CIDRs or host names that outbound requests may reach. Default none. */
  egressAllow: z.array(z.string()).default([]),
  /** SLUICE_FILE_ROOT: file sources may read folders under this only. Default `<dataDir>/inbox`. */
  fileRoot: z.string().min(1).optional(),
  /** SLUICE_CORS_ORIGINS: comma-separated origins allowed to call the API from a browser. Default none (CORS closed). */
  corsOrigins: z.array(z.string().url()).default([]),
  /** How often the alert rules are evaluated (by one process at a time), ms. Default 15000. */
  alertIntervalMs: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** Log level. Default info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) ctx.addIssue({ code: 'custom', path: ['tlsCert'], message: 'set both SLUICE_TLS_CERT and SLUICE_TLS_KEY, or neither' });
  if (c.tlsClientCa !== undefined && c.tlsCert === undefined) ctx.addIssue({ code: 'custom', path: ['tlsClientCa'], message: 'SLUICE_TLS_CLIENT_CA needs SLUICE_TLS_CERT and SLUICE_TLS_KEY' });
});
export type Config = z.infer<typeof ConfigSchema>;

function list(value: string | undefined): string[] | undefined {
  return value ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
}

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
    egressAllow: list(env.SLUICE_EGRESS_ALLOW),
    corsOrigins: list(env.SLUICE_CORS_ORIGINS),
    fileRoot: env.SLUICE_FILE_ROOT ? path.resolve(env.SLUICE_FILE_ROOT) : undefined,
    alertIntervalMs: env.SLUICE_ALERT_INTERVAL_MS || undefined,
    adminEmail: env.SLUICE_ADMIN_EMAIL || undefined,
    adminPassword: env.SLUICE_ADMIN_PASSWORD || undefined,
    tlsCert: env.SLUICE_TLS_CERT || undefined,
    tlsKey: env.SLUICE_TLS_KEY || undefined,
    tlsClientCa: env.SLUICE_TLS_CLIENT_CA || undefined,
    keyPepper: env.SLUICE_KEY_PEPPER || undefined,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
