import type { z } from 'zod';
import type { EngineRecord, NodeKind, RecordError } from '@sluice/shared';

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
  /**
   * A long-lived client (a broker connection for a sink) shared by every runtime that asks with the
   * same key, opened on first use and closed by the server at shutdown.
   */
  connection<T>(spec: ConnectionSpec<T>): SharedConnection<T>;
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
export interface SourceMessage {
  /**
   * Names the message at its origin (a stream entry id, a sequence number, a message id): the record
   * id is derived from it, so a message the broker delivers again becomes the same record and
   * idempotent sinks write it once. Absent: the record gets a new id (at-least-once).
   */
  key?: string;
  data: Record<string, unknown>;
}

/** What `accept` did with a batch: the messages it will never take (settle them as failed at the broker). */
export interface AcceptOutcome {
  refused: { index: number; message: string }[];
}

/** Given to `consume`: the way records go in, and when to stop. */
export interface ConsumeContext {
  /** Aborted when the consumer must stop (undeploy, shutdown, another process took over): close and return. */
  signal: AbortSignal;
  /**
   * Commits the messages as records with their jobs, waiting out backpressure; resolves only after
   * the commit, so acknowledge to the broker after it. Rejects when the flow cannot take records.
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

export type NodeRuntime =
  | {
      kind: 'source';
      /** Checks ingested bodies (e.g. against a JSON Schema); returns problems, empty when all pass. */
      check(data: unknown[]): { index: number; path: string; message: string }[];
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
