// Test helpers shared by the node tests (not exported from the package): records and a create
// context whose services fail loudly unless a test supplies them.
import { randomUUID } from 'node:crypto';
import type { EngineRecord } from '@sluice/shared';
import type { ConnectionSpec, CreateContext, Logger, NodeRuntime, NodeType, PureResult, RetryPolicy, RunContext, SinkOutcome } from './define.js';

export function makeRecord(data: unknown, overrides: Partial<EngineRecord> = {}): EngineRecord {
  return { id: randomUUID(), correlationId: `corr-${randomUUID().slice(0, 8)}`, receivedAt: '2024-05-01T12:00:00.000Z', generation: 0, data, ...overrides };
}

export interface LogLine {
  obj: object;
  msg: string | undefined;
}

export function makeContext(overrides: Partial<CreateContext> = {}): CreateContext & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger: Logger = {
    info: (obj, msg) => lines.push({ obj, msg }),
    warn: (obj, msg) => lines.push({ obj, msg }),
    error: (obj, msg) => lines.push({ obj, msg }),
  };
  return {
    flowId: 'flow-1',
    nodeId: 'node-1',
    salt: 'test-salt',
    logger,
    postgres: () => {
      throw new Error('this test gave the node no Postgres');
    },
    fetch: () => Promise.reject(new Error('this test gave the node no fetch')),
    mysql: () => {
      throw new Error('this test gave the node no MySQL');
    },
    connection: () => ({ get: () => Promise.reject(new Error('this test gave the node no broker connection')), discard: () => undefined }),
    // Node tests reach their brokers on 127.0.0.1; the guard itself is tested in the server's egress tests.
    checkEgress: () => Promise.resolve(),
    lines,
    ...overrides,
  };
}

export const run: RunContext = { attempt: 0 };

export function asPure(runtime: NodeRuntime): (records: EngineRecord[]) => Promise<PureResult> {
  if (runtime.kind !== 'pure') throw new Error(`expected a pure runtime, got ${runtime.kind}`);
  return (records) => runtime.process(records, run);
}

export function asSink(runtime: NodeRuntime): { retry: RetryPolicy; roundSize?: number; deliver(records: EngineRecord[], ctx?: RunContext): Promise<SinkOutcome[]> } {
  if (runtime.kind !== 'sink') throw new Error(`expected a sink runtime, got ${runtime.kind}`);
  return { retry: runtime.retry, roundSize: runtime.roundSize, deliver: (records, ctx = run) => runtime.deliver(records, ctx) };
}

/** Parses `config` with the node type's own schema, as the compiler does, then creates the runtime. */
export function build(nodeType: NodeType, config: unknown, ctx: CreateContext = makeContext()): NodeRuntime {
  return nodeType.create(nodeType.config.parse(config), ctx);
}

/** The error `fn` throws; fails the test when it throws nothing. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}

/** Shared connections as the server keeps them (one client per key), for node tests against real brokers. */
export function localConnections(): { connection: CreateContext['connection']; closeAll(): Promise<void> } {
  const clients = new Map<string, { client: Promise<unknown>; close(): Promise<void> }>();
  return {
    connection<T>(spec: ConnectionSpec<T>) {
      const get = (): Promise<T> => {
        const existing = clients.get(spec.key);
        if (existing) return existing.client as Promise<T>;
        const client = spec.open();
        clients.set(spec.key, { client, close: () => client.then((c) => spec.close(c), () => undefined) });
        return client;
      };
      return {
        get,
        discard: () => {
          clients.delete(spec.key);
        },
      };
    },
    async closeAll() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
