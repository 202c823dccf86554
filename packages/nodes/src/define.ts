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
      /** Who may post to the source (webhooks); the server enforces it. Absent: only Sluice API tokens. */
      auth?: WebhookAuth;
      /** Checks ingested bodies (e.g. against a JSON Schema); returns problems, empty when all pass. */
      check(data: unknown[]): { index: number; path: string; message: string }[];
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
