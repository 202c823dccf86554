import type { Socket } from 'node:net';
import type pg from 'pg';
import mysql from 'mysql2/promise';
import type { ConnectionSpec, CreateContext, SharedConnection, SqlClient } from '@sluice/nodes';
import type { PiiField } from '@sluice/shared';
import { createPool } from '../storage/db.js';
import type { Logger } from '../logger.js';

/**
 * Pools to the databases that sources read and sinks write, one per connection string, and the
 * broker clients sinks share (one per key), all shared by every plan and closed at shutdown.
 */
export class ExternalPools {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly mysqlPools = new Map<string, mysql.Pool>();
  private readonly clients = new Map<string, { client: Promise<unknown>; close(): Promise<void> }>();

  /** A MySQL / MariaDB pool as the nodes' SqlClient (`?` placeholders, values escaped by mysql2). */
  mysql(connectionString: string): SqlClient {
    let pool = this.mysqlPools.get(connectionString);
    if (!pool) {
      pool = mysql.createPool({ uri: connectionString, connectionLimit: 4, dateStrings: false, supportBigNumbers: true });
      this.mysqlPools.set(connectionString, pool);
    }
    const p = pool;
    return {
      async query(text, values) {
        const [rows] = await p.query(text, values);
        const list = Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
        return { rows: list, rowCount: list.length };
      },
    };
  }

  /** `socket`: the egress guard's socket factory, so sinks reach only the databases it allows. */
  constructor(private readonly socket?: () => Socket) {}

  get(connectionString: string): SqlClient {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      pool = createPool(connectionString, 4, this.socket);
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  connection<T>(spec: ConnectionSpec<T>): SharedConnection<T> {
    return sharedConnection(spec, this.clients);
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    const mysqlPools = [...this.mysqlPools.values()];
    const clients = [...this.clients.values()];
    this.pools.clear();
    this.mysqlPools.clear();
    this.clients.clear();
    await Promise.allSettled([...pools.map((p) => p.end()), ...mysqlPools.map((p) => p.end()), ...clients.map((c) => c.close())]);
  }
}

/** The context node runtimes are created with, for running (I/O allowed through the given services). */
export function runContextFactory(flow: { id: string; salt: string; pii?: readonly PiiField[] }, pools: ExternalPools, logger: Logger, egressFetch: typeof fetch) {
  return (nodeId: string): CreateContext => ({
    flowId: flow.id,
    nodeId,
    salt: flow.salt,
    logger: logger.child({ flowId: flow.id, nodeId }),
    postgres: (connectionString) => pools.get(connectionString),
    mysql: (connectionString) => pools.mysql(connectionString),
    // The egress guard's fetch: nodes never reach link-local, metadata or unlisted private addresses.
    fetch: egressFetch,
    pii: flow.pii,
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
    mysql: () => ({ query: async () => refuse() }),
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
