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
import type { AlertRule, AlertState, FlowSettings, FlowStatus, Graph, RecordError, Role, RunStatus, RunTrigger } from '@sluice/shared';

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
    /**
     * The records as JSON text (chunkRecordsJson), in a text column: a chunk is written once by
     * Sluice and read once whole by Sluice, never queried inside, so Postgres need not parse it on
     * the way in (json checks every character; jsonb converts it and back for every read).
     */
    records: text('records').notNull(),
    retryKey: text('retry_key'),
    /** When the chunk's job may run: now for ingest, later for retries. */
    runAt: ts('run_at').notNull().defaultNow(),
    /** The graphile-worker queue (lane) its job runs in; see chunkQueue. */
    queueName: text('queue_name'),
    /** Records a sink's time slice did not reach: they continue at the same attempt. */
    continuation: boolean('continuation').notNull().default(false),
    /** The run that pulled these records (null for pushed records); retries keep it. */
    runId: uuid('run_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('chunks_flow_idx').on(t.flowId, t.nodeId),
    uniqueIndex('chunks_retry_key_idx').on(t.retryKey),
    /** A lane's waiting chunks in order: a chunk job takes the ones that wait behind it (loadChunks). */
    index('chunks_queue_idx').on(t.queueName, t.id),
    index('chunks_run_idx').on(t.runId).where(sql`run_id IS NOT NULL`),
  ],
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
    /** Counts by key: `rule:<name>` (validation failures), `class:<c>` (errors), `retries`, `q:<measure>` (quality). */
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
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
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
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
 * The audit log: who did what to which resource, from where, and how it ended. Append-only: a
 * trigger (migration sec_audit_sql) refuses UPDATE, DELETE and TRUNCATE, even for the app's role.
 * No foreign keys: a row outlives the user or flow it names.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    userId: uuid('user_id'),
    /** The email or token name as it was at the time. */
    actor: text('actor'),
    action: text('action').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    sourceIp: text('source_ip'),
    correlationId: text('correlation_id'),
    outcome: text('outcome').$type<'success' | 'failure' | 'denied'>().notNull(),
    /** Never secret values nor full PII. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    index('audit_log_action_idx').on(t.action, t.id),
    index('audit_log_user_idx').on(t.userId, t.id),
    index('audit_log_resource_idx').on(t.resourceType, t.resourceId, t.id),
    index('audit_log_at_idx').on(t.at),
  ],
);

/** API keys of a webhook source (`auth: { type: "apiKey" }`); only an HMAC of each key is kept. */
export const sourceApiKeys = pgTable(
  'source_api_keys',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    name: text('name').notNull(),
    /** HMAC-SHA256 of the key with the server pepper, hex. */
    keyHash: text('key_hash').notNull().unique(),
    /** The first characters of the key, so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('source_api_keys_source_idx').on(t.flowId, t.nodeId)],
);

/**
 * Signatures of accepted HMAC-signed ingest requests, kept until their timestamp can no longer pass
 * the ±5 min check: a signed request replayed to any server process conflicts here and is refused.
 * Only a SHA-256 of (source, signature) is kept, never the secret; expired rows are deleted by every
 * server every minute.
 */
export const ingestSignatures = pgTable(
  'ingest_signatures',
  {
    /** SHA-256 hex of `<flow id>/<node id>/<signature>`. */
    signatureHash: text('signature_hash').primaryKey(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('ingest_signatures_expires_idx').on(t.expiresAt)],
);

/**
 * The vault: secret values AES-256-GCM encrypted (see vault/keyring.ts), never returned by the API.
 * `key_id` names the key that encrypted the row, so rotation can find what it has not re-encrypted yet.
 */
export const secrets = pgTable('secrets', {
  name: text('name').primaryKey(),
  ciphertext: text('ciphertext').notNull(),
  iv: text('iv').notNull(),
  tag: text('tag').notNull(),
  keyId: text('key_id').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
/** The current state of each (flow, alert rule) that has ever left the quiet state. */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    rule: text('rule').$type<AlertRule>().notNull(),
    state: text('state').$type<AlertState>().notNull(),
    value: jsonb('value').$type<number | null>(),
    threshold: jsonb('threshold').$type<number>().notNull(),
    message: text('message').notNull(),
    /** When the current episode began (its pending). */
    since: ts('since').notNull().defaultNow(),
    firingAt: ts('firing_at'),
    resolvedAt: ts('resolved_at'),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    silencedUntil: ts('silenced_until'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('alerts_flow_rule_idx').on(t.flowId, t.rule)],
);

/** Every state change of every alert, newest last. */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: bigint('alert_id', { mode: 'number' })
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    rule: text('rule').$type<AlertRule>().notNull(),
    state: text('state').$type<AlertState>().notNull(),
    value: jsonb('value').$type<number | null>(),
    threshold: jsonb('threshold').$type<number>().notNull(),
    message: text('message').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('alert_events_flow_idx').on(t.flowId, t.id)],
);

/** Where alert notifications go. The signing secret is never returned after creation. */
export const alertChannels = pgTable('alert_channels', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  format: text('format').$type<'webhook' | 'slack'>().notNull(),
  secret: text('secret').notNull(),
  /** Empty: every flow. */
  flowIds: uuid('flow_ids').array().notNull().default(sql`'{}'`),
  retry: jsonb('retry').$type<{ strategy: 'exponential' | 'linear' | 'fixed'; maxAttempts: number; baseDelayMs: number; maxDelayMs: number }>().notNull(),
  timeoutMs: integer('timeout_ms').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** One row: when the cluster last evaluated the alert rules (so several processes keep one cadence). */
export const alertEvaluations = pgTable('alert_evaluations', {
  id: integer('id').primaryKey(),
  lastRunAt: ts('last_run_at').notNull(),
});

/**
 * Ingest calls answered, by flow and HTTP status, summed over every server process (each flushes
 * its own counts about once a second). `flow_key` is the flow id, or '' where the flow is not
 * named (answers that do not prove the flow exists), so labels stay bounded.
 */
export const ingestRequestCounts = pgTable(
  'ingest_request_counts',
  {
    flowKey: text('flow_key').notNull(),
    status: integer('status').notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.flowKey, t.status] })],
);

/**
 * The last record seen per (flow, duplicate key), for the consistency measure: one batched upsert
 * per chunk. Keys are SHA-256 hashes of the key value (no record data kept); rows older than 24 h
 * are deleted.
 */
export const qualityKeys = pgTable(
  'quality_keys',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull(),
    recordId: uuid('record_id').notNull(),
    seenAt: ts('seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.keyHash] }), index('quality_keys_seen_idx').on(t.seenAt)],
);

/**
 * Runs of pull sources: one row per run, started by hand or by the schedule. The counters are exact:
 * `fetched` grows in the transaction that commits a page, `delivered` and `dead_lettered` in the
 * transaction that completes one of the run's chunks.
 */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    version: integer('version').notNull(),
    trigger: text('trigger').$type<RunTrigger>().notNull(),
    /** The schedule's time this run is for: one run per (source, time) however many workers tick. */
    scheduledFor: ts('scheduled_for'),
    status: text('status').$type<RunStatus>().notNull().default('running'),
    /** fetching: the run job is reading pages; fetched: waiting for its chunks; done. */
    phase: text('phase').$type<'fetching' | 'fetched' | 'done'>().notNull().default('fetching'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    deadlineAt: ts('deadline_at').notNull(),
    expected: bigint('expected', { mode: 'number' }),
    fetched: bigint('fetched', { mode: 'number' }).notNull().default(0),
    delivered: bigint('delivered', { mode: 'number' }).notNull().default(0),
    deadLettered: bigint('dead_lettered', { mode: 'number' }).notNull().default(0),
    missing: bigint('missing', { mode: 'number' }),
    /** The first missing keys (up to 1000), when the source has keys. */
    missingKeys: jsonb('missing_keys').$type<(string | number)[]>(),
    missingRetried: boolean('missing_retried').notNull().default(false),
    pages: integer('pages').notNull().default(0),
    /** Where the next page starts (the source's cursor after the last committed page). */
    cursor: jsonb('cursor'),
    watermarkFrom: jsonb('watermark_from').$type<string | number | null>(),
    watermarkTo: jsonb('watermark_to').$type<string | number | null>(),
    error: text('error'),
  },
  (t) => [index('runs_flow_idx').on(t.flowId, t.startedAt), uniqueIndex('runs_schedule_idx').on(t.flowId, t.nodeId, t.scheduledFor)],
);

/** The pages a run committed: the mark that makes a page's commit happen once, and its keys. */
export const runPages = pgTable(
  'run_pages',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    pageNo: integer('page_no').notNull(),
    recordCount: integer('record_count').notNull(),
    keys: jsonb('keys').$type<(string | number)[]>(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.pageNo] })],
);

/** What a pull source remembers between runs: the watermark of its last successful run. */
export const sourceState = pgTable(
  'source_state',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    watermark: jsonb('watermark').$type<string | number | null>(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.nodeId] })],
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
