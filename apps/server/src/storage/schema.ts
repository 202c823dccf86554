import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FlowSettings, FlowStatus, Graph, RecordError, Role } from '@sluice/shared';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** A flow: its draft graph (what the editor saves) and, once deployed, which version runs. */
export const flows = pgTable('flows', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  graph: jsonb('graph').$type<Graph>().notNull(),
  settings: jsonb('settings').$type<FlowSettings>().notNull(),
  status: text('status').$type<FlowStatus>().notNull().default('draft'),
  deployedVersion: integer('deployed_version'),
  /** Secret per flow, for the mask node's `hash` strategy. Never returned by the API. */
  salt: text('salt').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deployedAt: ts('deployed_at'),
});

/** Immutable snapshots written by deploy; chunks and dead letters name the version they ran on. */
export const flowVersions = pgTable(
  'flow_versions',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    graph: jsonb('graph').$type<Graph>().notNull(),
    settings: jsonb('settings').$type<FlowSettings>().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.version] })],
);

/**
 * Accepted records waiting to run, as chunks. A row exists from the ingest commit until the chunk's
 * outcomes are committed; deleting it is the chunk's completion mark, so a replayed job whose row is
 * gone does nothing. `retry_key` makes retry chunks idempotent.
 */
export const chunks = pgTable(
  'chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The node the records enter at: the source for ingest, the failed node for retries. */
    nodeId: text('node_id').notNull(),
    attempt: integer('attempt').notNull().default(0),
    recordCount: integer('record_count').notNull(),
    records: jsonb('records').notNull(),
    retryKey: text('retry_key'),
    /** When the chunk's job may run: now for ingest, later for retries. */
    runAt: ts('run_at').notNull().defaultNow(),
    /** The graphile-worker queue (lane) its job runs in; see chunkQueue. */
    queueName: text('queue_name'),
    /** Records a sink's time slice did not reach: they continue at the same attempt. */
    continuation: boolean('continuation').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('chunks_flow_idx').on(t.flowId, t.nodeId), uniqueIndex('chunks_retry_key_idx').on(t.retryKey)],
);

export const deadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    version: integer('version').notNull(),
    recordId: uuid('record_id').notNull(),
    correlationId: text('correlation_id').notNull(),
    receivedAt: ts('received_at').notNull(),
    /** Bumped each time an analyst retries the record, so a new failure is a new dead letter. */
    generation: integer('generation').notNull().default(0),
    record: jsonb('record'),
    error: jsonb('error').$type<RecordError>().notNull(),
    attempts: integer('attempts').notNull().default(1),
    status: text('status').$type<'pending' | 'retried' | 'discarded'>().notNull().default('pending'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dead_letters_record_node_gen_idx').on(t.recordId, t.nodeId, t.generation),
    index('dead_letters_flow_idx').on(t.flowId, t.id),
    index('dead_letters_pending_idx').on(t.flowId).where(sql`status = 'pending'`),
  ],
);

/** Cumulative per-node counters, flushed by workers about once a second. */
export const nodeStats = pgTable(
  'node_stats',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    recordsIn: bigint('records_in', { mode: 'number' }).notNull().default(0),
    recordsOut: jsonb('records_out').$type<Record<string, number>>().notNull().default({}),
    errors: bigint('errors', { mode: 'number' }).notNull().default(0),
    deadLettered: bigint('dead_lettered', { mode: 'number' }).notNull().default(0),
    latency: bigint('latency', { mode: 'number' }).array().notNull().default(sql`'{}'`),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.nodeId] })],
);

/** The same counters in one-second buckets, kept 24 h, for rates and charts. */
export const nodeStatsSeries = pgTable(
  'node_stats_series',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    bucket: ts('bucket').notNull(),
    recordsIn: bigint('records_in', { mode: 'number' }).notNull().default(0),
    recordsOut: jsonb('records_out').$type<Record<string, number>>().notNull().default({}),
    errors: bigint('errors', { mode: 'number' }).notNull().default(0),
    deadLettered: bigint('dead_lettered', { mode: 'number' }).notNull().default(0),
    latency: bigint('latency', { mode: 'number' }).array().notNull().default(sql`'{}'`),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.nodeId, t.bucket] }), index('node_stats_series_bucket_idx').on(t.bucket)],
);

/** Worker processes and their graphile-worker pool ids; a stale heartbeat means the process died. */
export const workerProcesses = pgTable('worker_processes', {
  id: text('id').primaryKey(),
  poolIds: text('pool_ids').array().notNull().default(sql`'{}'`),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  startedAt: ts('started_at').notNull().defaultNow(),
  heartbeatAt: ts('heartbeat_at').notNull().defaultNow(),
});

/** People who sign in. Passwords are argon2id hashes; emails are stored lower-case. */
export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<Role>().notNull(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Browser sessions. The cookie holds a random id; only its SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Personal API tokens for automation; shown once, stored as SHA-256. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** For data_producer tokens: the flows they may ingest into. */
    flowIds: uuid('flow_ids').array().notNull().default(sql`'{}'`),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

/** Flows a data_producer user may ingest into. */
export const flowGrants = pgTable(
  'flow_grants',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.flowId] })],
);

/** Failed sign-ins per key (account or IP) and minute window, shared by every server process. */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    failures: integer('failures').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * One row per consuming source (a broker source) of a deployed flow: which worker process holds its
 * lease, until when, and how its connection is doing. Exactly one process consumes while its lease
 * is fresh; another takes over once it expires.
 */
export const sourceConsumers = pgTable(
  'source_consumers',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    /** The flow version the holder runs. */
    version: integer('version').notNull(),
    /** The worker process (worker_processes.id) consuming; null when released. */
    holder: text('holder'),
    leaseExpiresAt: ts('lease_expires_at').notNull(),
    /** connecting, connected, reconnecting, error (as the holder last said). */
    state: text('state').notNull().default('connecting'),
    /** The last connection error, for the editor. */
    message: text('message'),
    stateSince: ts('state_since').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.nodeId] })],
);
