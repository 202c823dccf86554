import type pg from 'pg';
import type { ConnectionSpec, CreateContext, SharedConnection, SqlClient } from '@sluice/nodes';
import { createPool } from '../storage/db.js';
import type { Logger } from '../logger.js';

/**
 * Pools to the databases that sinks write to, one per connection string, and the broker clients
 * sinks share (one per key), all shared by every plan and closed at shutdown.
 */
export class ExternalPools {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly clients = new Map<string, { client: Promise<unknown>; close(): Promise<void> }>();

  get(connectionString: string): SqlClient {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      pool = createPool(connectionString, 4);
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  connection<T>(spec: ConnectionSpec<T>): SharedConnection<T> {
    return sharedConnection(spec, this.clients);
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    const clients = [...this.clients.values()];
    this.pools.clear();
    this.clients.clear();
    await Promise.allSettled([...pools.map((p) => p.end()), ...clients.map((c) => c.close())]);
  }
}

/** The context node runtimes are created with, for running (I/O allowed through the given services). */
export function runContextFactory(flow: { id: string; salt: string }, pools: ExternalPools, logger: Logger) {
  return (nodeId: string): CreateContext => ({
    flowId: flow.id,
    nodeId,
    salt: flow.salt,
    logger: logger.child({ flowId: flow.id, nodeId }),
    postgres: (connectionString) => pools.get(connectionString),
    fetch: globalThis.fetch,
    connection: (spec) => pools.connection(spec),
  });
}

/** The context for validation only: compiling must not reach any database or server. */
export function validationContextFactory(flowId: string, logger: Logger) {
  const refuse = (): never => {
    throw new Error('validation does no I/O');
  };
  return (nodeId: string): CreateContext => ({
    flowId,
    nodeId,
    salt: 'validation',
    logger: logger.child({ flowId, nodeId }),
    postgres: () => ({ query: async () => refuse() }),
    fetch: async () => refuse(),
    connection: () => ({ get: async () => refuse(), discard: () => undefined }),
  });
}

type ClientEntry = { client: Promise<unknown>; close(): Promise<void> };

/** One client per key in `clients`, opened on first `get`; a failed open is forgotten so the next get tries again. */
function sharedConnection<T>(spec: ConnectionSpec<T>, clients: Map<string, ClientEntry>): SharedConnection<T> {
  const open = (): Promise<T> => {
    const client = spec.open();
    const entry: ClientEntry = { client, close: () => client.then((c) => spec.close(c), () => undefined) };
    clients.set(spec.key, entry);
    client.catch(() => {
      if (clients.get(spec.key) === entry) clients.delete(spec.key);
    });
    return client;
  };
  return {
    // The entry under a key was made by a spec with that key, so it holds a T.
    get: () => (clients.get(spec.key)?.client as Promise<T> | undefined) ?? open(),
    discard(client) {
      const entry = clients.get(spec.key);
      if (!entry) return;
      void entry.client.then((current) => {
        if (current !== client || clients.get(spec.key) !== entry) return;
        clients.delete(spec.key);
        spec.close(client).catch(() => undefined);
      }, () => undefined);
    },
  };
}
