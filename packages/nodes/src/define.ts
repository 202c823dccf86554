import type { z } from 'zod';
import type { EngineRecord, NodeKind, PiiField, RecordError } from '@sluice/shared';
import type { WebhookAuth } from './source/webhook.js';

/**
 * Glossary.
 * - node type: one kind of step (e.g. `transform.map`), declared once with `defineNode`.
 * - runtime: what `create(config, ctx)` returns — the config compiled once per deployed version.
 * - port: a named input or output; records leave a node on one of its output ports.
 * - pure node: transform, validate and route nodes; batch-shaped, no I/O. JSONata 2 evaluates
 *   asynchronously, so `process` returns a promise; it still touches nothing outside memory.
 * - sink: delivers records to the outside world and reports one outcome per record.
 * - consuming source: a source that takes messages from a broker. The server runs its `consume` in
 *   one worker process at a time; it hands batches to `accept` and acknowledges to the broker after.
 */

export interface PortSpec {
  name: string;
  /** When no edge leaves this port, records sent to it become dead letters (a validator's `invalid`). Default false: they are dropped. */
  deadLetterWhenUnwired?: boolean;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The smallest Postgres client a node needs; the server passes a `pg.Pool`. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Given to `create`: who the node is and the services it may use. Nodes import no I/O library. */
export interface CreateContext {
  flowId: string;
  nodeId: string;
  /** Per-flow secret salt, for hashing (mask strategy `hash`). */
  salt: string;
  logger: Logger;
  /** A pooled Postgres client for a connection string (kept and closed by the server). */
  postgres(connectionString: string): SqlClient;
  /** `fetch`, injectable for tests. */
  fetch: typeof fetch;
  /** The flow's declared PII fields: what a node that logs or reports record data must mask. Default none. */
  pii?: readonly PiiField[];
  /** A pooled MySQL / MariaDB client for a connection URL (kept and closed by the server); `?` placeholders. */
  mysql(connectionString: string): SqlClient;
  /**
   * A long-lived client (a broker connection for a sink) shared by every runtime that asks with the
   * same key, opened on first use and closed by the server at shutdown.
   */
  connection<T>(spec: ConnectionSpec<T>): SharedConnection<T>;
  /**
   * The server's egress guard for clients a node connects itself (broker clients): resolves when the
   * URL's host may be reached, rejects with EgressRefusedError when not (link-local and metadata
   * addresses never; private ones only when SLUICE_EGRESS_ALLOW lists them). Call it before connecting.
   */
  checkEgress(url: string): Promise<void>;
}

export interface ConnectionSpec<T> {
  /** Runtimes asking with the same key share one client: include the node type and the URL. */
  key: string;
  open(): Promise<T>;
  close(client: T): Promise<void>;
}

export interface SharedConnection<T> {
  /** The open client, opening it on first use (or after `discard`). */
  get(): Promise<T>;
  /** Closes and forgets a client that failed, so the next `get` opens a new one. */
  discard(client: T): void;
}

/** A message a consuming source took from its broker, as a record's data. */
/**
 * One message from a broker: the record it becomes, or (`invalid`) why it cannot become one, with its
 * body as text. `accept` commits an invalid message as a dead letter at the source, so it is
 * acknowledged like any other and an analyst can fix and retry it.
 */
export type SourceMessage = {
  /**
   * Names the message at its origin (a stream entry id, a sequence number, a message id): the record
   * id is derived from it, so a message the broker delivers again becomes the same record and
   * idempotent sinks write it once. Absent: the record gets a new id (at-least-once).
   */
  key?: string;
} & ({ data: Record<string, unknown> } | { invalid: { raw: string; reason: string } });

/** What `accept` did with a batch: how many of its messages became dead letters (all are committed either way). */
export interface AcceptOutcome {
  deadLettered: number;
}

/** Given to `consume`: the way records go in, and when to stop. */
export interface ConsumeContext {
  /** Aborted when the consumer must stop (undeploy, shutdown, another process took over): close and return. */
  signal: AbortSignal;
  /**
   * Commits the messages as records with their jobs (and those it cannot take as dead letters at the
   * source), waiting out backpressure; resolves only after the commit, so acknowledge every message
   * to the broker after it. Rejects when the flow cannot take records: acknowledge nothing then.
   */
  accept(messages: SourceMessage[]): Promise<AcceptOutcome>;
  /** Call once connected and subscribed: the node shows "connected" in the editor. */
  connected(): void;
  logger: Logger;
}

/** Given to each batch call. */
export interface RunContext {
  /** How many times this chunk has been tried at this node before (0 on the first try). */
  attempt: number;
  signal?: AbortSignal;
}

export interface RecordFailure {
  record: EngineRecord;
  error: RecordError;
}

/** What a pure node returns for a batch: records per output port, and the records it could not handle. */
export interface PureResult {
  outputs: Record<string, EngineRecord[]>;
  failures: RecordFailure[];
  /** Why records left on a `deadLetterWhenUnwired` port (a validator's `invalid`), by record id: the dead letter's error when that port is unwired. */
  reasons?: Map<string, RecordError>;
}

export type SinkOutcome =
  | { status: 'delivered' }
  /** Worth trying again: 5xx, timeouts, connection errors, 429. `retryAfterMs` from a Retry-After header. */
  | { status: 'transient'; error: RecordError; retryAfterMs?: number }
  | { status: 'permanent'; error: RecordError };

export interface RetryPolicy {
  strategy: 'exponential' | 'linear' | 'fixed';
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A key that names one record of a pulled data set (a primary key value). */
export type SourceKey = string | number;

/** A value a watermark column or field held: compared as numbers, else as text (ISO times sort as text). */
export type WatermarkValue = string | number;

/** One page a pull source fetched. */
export interface PullPage {
  records: Record<string, unknown>[];
  /** Where the next page starts (JSON); the run stores it with the page, so a resumed run continues here. Null after the last page. */
  cursor: unknown;
  /** The records' keys, in order, when the source has a key: they make missing keys listable. */
  keys?: SourceKey[];
  /** The highest watermark value among the page's records. */
  watermark?: WatermarkValue | null;
  /** How many records the whole data set holds, when the source says so (`X-Total-Count`, a control total field). */
  expected?: number | null;
}

/** Given to each pull call: where to resume, from which watermark, and how many records a page holds. */
export interface PullContext {
  /** The cursor of the last committed page, or null to start from the beginning. */
  cursor: unknown;
  /** The watermark of the last successful run, or null for a full pull. */
  watermark: WatermarkValue | null;
  pageSize: number;
  signal: AbortSignal;
}

/** Run settings every pull source carries (see source/pull.ts for their defaults). */
export interface PullSettings {
  /** Cron expression (minutes); no schedule means runs start by hand only. */
  schedule?: string;
  timezone?: string;
  /** A run still going after this long is marked timed out, seconds. */
  timeoutSeconds: number;
  /** skip: a run does not start while the previous one of this source is still going. */
  overlap: 'skip' | 'allow';
  /** Attempts per page after a failure, resuming from the last committed page. */
  pageRetries: number;
  /** Re-fetch missing keys once at the end of a run. */
  retryMissing: boolean;
  notify?: { url: string; secret?: string; on: 'always' | 'failure' };
}

/** What a source that pulls (database, API, file) can do; the server drives it in run jobs. */
export interface PullCapability {
  settings: PullSettings;
  /** Pages of the data set from `ctx.cursor` on, in a stable order. */
  pages(ctx: PullContext): AsyncIterable<PullPage>;
  /** How many records the data set holds now (a count query), or null when unknown. */
  count?(ctx: Omit<PullContext, 'cursor'>): Promise<number | null>;
  /** Every key of the data set, in pages: what a completeness check compares the fetched keys with. */
  keys?(ctx: Omit<PullContext, 'cursor'>): AsyncIterable<SourceKey[]>;
  /** Fetches just these records again (retry missing). */
  fetchKeys?(keys: SourceKey[], ctx: Omit<PullContext, 'cursor'>): Promise<PullPage>;
}

/** How a source that takes uploaded files reads them (the server streams and parses the file). */
export interface FileSettings {
  format: 'csv' | 'ndjson' | 'json';
  /** CSV: the first line names the columns. */
  header: boolean;
  /** CSV: the field separator; empty means guess per line from , ; tab |. */
  delimiter: string;
  /** CSV: numbers, true/false and empty fields become numbers, booleans and null. */
  coerce: boolean;
  /** Dotted path of the field that identifies a record, when there is one. */
  keyPath?: string;
  timeoutSeconds: number;
}

/** Where a file source reads files on its own: a server folder, on a schedule. */
export interface FolderSettings {
  /** Absolute path (the server keeps it under SLUICE_FILE_ROOT). */
  path: string;
  /** Glob on file names, e.g. "*.csv". */
  pattern: string;
  /** Cron expression; none: the folder is read only when asked. */
  schedule?: string;
  timezone?: string;
}

export type NodeRuntime =
  | {
      kind: 'source';
      /** Who may post to the source (webhooks); the server enforces it. Absent: only Sluice API tokens. */
      auth?: WebhookAuth;
      /** Checks ingested bodies (e.g. against a JSON Schema); returns problems, empty when all pass. */
      check(data: unknown[]): { index: number; path: string; message: string }[];
      /** Present on sources that pull: runs (by hand or on a schedule) fetch pages through it. */
      pull?: PullCapability;
      /** Present on sources that take uploaded files (POST /api/flows/:id/files). */
      file?: FileSettings;
      /** Present on file sources that read a server folder on a schedule. */
      folder?: FolderSettings;
      /**
       * A consuming source: connects, hands batches to `ctx.accept`, acknowledges after each resolves,
       * and runs until `ctx.signal` aborts (then closes and resolves). Rejects when the connection is
       * lost; the server calls it again with backoff. Absent for sources that are pushed to.
       */
      consume?(ctx: ConsumeContext): Promise<void>;
    }
  | { kind: 'pure'; process(records: EngineRecord[], ctx: RunContext): Promise<PureResult> }
  | {
      kind: 'sink';
      retry: RetryPolicy;
      /**
       * Records the sink sends together (one request, one statement). The engine hands a sink slices
       * whose size is a multiple of this, so a batch is the same set of records on every attempt.
       * Default 1.
       */
      batchSize?: number;
      /**
       * Records the sink takes in one round (all its requests in flight once). The engine checks its
       * time slice between rounds, so a slow sink yields its worker slot within about one round.
       * Default 64.
       */
      roundSize?: number;
      /** One outcome per record, in the same order. Never throws for a record's failure. */
      deliver(records: EngineRecord[], ctx: RunContext): Promise<SinkOutcome[]>;
    };

/** A config error found while compiling (bad JSONata, invalid JSON Schema), with the config path. */
export class NodeConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeConfigError';
    this.path = path;
  }
}

export interface NodeExample<C> {
  title: string;
  config: C;
}

/** What a node file writes: its config schema typed, so `create` gets the parsed config. */
export interface NodeTypeDefinition<S extends z.ZodType> {
  type: string;
  kind: NodeKind;
  title: string;
  summary: string;
  category: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  config: S;
  examples: NodeExample<z.input<S>>[];
  create(config: z.output<S>, ctx: CreateContext): NodeRuntime;
}

/** A registered node type. `create` takes a config already parsed by `config` (the compiler does that). */
export interface NodeType extends Omit<NodeTypeDefinition<z.ZodType>, 'create' | 'examples'> {
  examples: NodeExample<unknown>[];
  create(parsedConfig: unknown, ctx: CreateContext): NodeRuntime;
}

/** Declares a node type; the single description that the server, the API and the editor all use. */
export function defineNode<S extends z.ZodType>(def: NodeTypeDefinition<S>): NodeType {
  return {
    ...def,
    // The registry erases the config type; the compiler only passes configs that `def.config` produced.
    create: (parsedConfig, ctx) => def.create(parsedConfig as z.output<S>, ctx),
  };
}
