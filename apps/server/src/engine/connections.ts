import type { Socket } from 'node:net';
import type pg from 'pg';
import type { CreateContext, SqlClient } from '@sluice/nodes';
import type { PiiField } from '@sluice/shared';
import { createPool } from '../storage/db.js';
import type { Logger } from '../logger.js';

/** Pools to the databases that sinks write to, one per connection string, shared by all plans. */
export class ExternalPools {
  private readonly pools = new Map<string, pg.Pool>();

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
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
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
    fetch: async () => refuse(),
  });
}
