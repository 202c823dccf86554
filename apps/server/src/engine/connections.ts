import type { Socket } from 'node:net';
import type pg from 'pg';
import mysql from 'mysql2/promise';
import type { CreateContext, SqlClient } from '@sluice/nodes';
import type { PiiField } from '@sluice/shared';
import { createPool } from '../storage/db.js';
import type { Logger } from '../logger.js';

/** Pools to the databases that sources read and sinks write, one per connection string, shared by all plans. */
export class ExternalPools {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly mysqlPools = new Map<string, mysql.Pool>();

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

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    const mysqlPools = [...this.mysqlPools.values()];
    this.pools.clear();
    this.mysqlPools.clear();
    await Promise.allSettled([...pools.map((p) => p.end()), ...mysqlPools.map((p) => p.end())]);
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
  });
}
