import type pg from 'pg';
import mysql from 'mysql2/promise';
import type { ConnectionSpec, CreateContext, SharedConnection, SqlClient } from '@sluice/nodes';
import type { PiiField } from '@sluice/shared';
import { createPool } from '../storage/db.js';
import type { Logger } from '../logger.js';
import { assertEgressAllowed, createEgressSocket, type EgressPolicy } from '../egress/guard.js';

/**
 * Pools to the databases that sources read and sinks write, one per connection string, and the
 * broker clients sinks share (one per key), all shared by every plan and closed at shutdown. Every
 * connection goes through the egress guard: database sockets check the address they connect to,
 * broker clients are checked before they connect (`checkEgress`).
 */
export class ExternalPools {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly mysqlPools = new Map<string, mysql.Pool>();
  private readonly clients = new Map<string, { client: Promise<unknown>; close(): Promise<void> }>();
  private readonly socket: ReturnType<typeof createEgressSocket>;

  /** `egress`: the server's policy (SLUICE_EGRESS_ALLOW). */
  constructor(private readonly egress: EgressPolicy) {
    this.socket = createEgressSocket(egress);
  }

  /** A MySQL / MariaDB pool as the nodes' SqlClient (`?` placeholders, values escaped by mysql2). */
  mysql(connectionString: string): SqlClient {
    let pool = this.mysqlPools.get(connectionString);
    if (!pool) {
      // mysql2 connects through the given stream: the guard's socket, which checks the address.
      const socket = this.socket;
      const stream = (opts: { config: { host?: string; port?: number; socketPath?: string } }) =>
        opts.config.socketPath ? socket().connect(opts.config.socketPath) : socket().connect(opts.config.port ?? 3306, opts.config.host ?? 'localhost');
      pool = mysql.createPool({ uri: connectionString, connectionLimit: 4, dateStrings: false, supportBigNumbers: true, stream });
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

  /** Rejects with EgressRefusedError when a node may not connect to this URL's host. */
  checkEgress(url: string): Promise<void> {
    return assertEgressAllowed(this.egress, url);
  }

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
    checkEgress: (url) => pools.checkEgress(url),
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
    checkEgress: async () => refuse(),
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
