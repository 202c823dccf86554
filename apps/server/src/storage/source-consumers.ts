// Leases and connection states of consuming sources (broker sources), one row per (flow, node).
// A worker process consumes a source only while it holds the row's lease; see engine/consumers.ts.
import type pg from 'pg';

export interface ConsumerKey {
  flowId: string;
  nodeId: string;
}

export interface ConsumerRow extends ConsumerKey {
  version: number;
  holder: string | null;
  /** The lease is fresh (its holder is alive, as far as anyone knows). */
  held: boolean;
  state: string;
  message: string | null;
  stateSince: string;
}

/**
 * Takes the leases of `wanted` that nobody holds, whose lease expired, or that this process holds
 * already; returns the ones it now holds. One statement for all of them.
 */
export async function acquireLeases(pool: pg.Pool, holder: string, leaseMs: number, wanted: (ConsumerKey & { version: number })[]): Promise<ConsumerKey[]> {
  if (wanted.length === 0) return [];
  const { rows } = await pool.query<{ flow_id: string; node_id: string }>(
    `INSERT INTO source_consumers AS c (flow_id, node_id, version, holder, lease_expires_at, state, message, state_since, updated_at)
     SELECT w.flow_id, w.node_id, w.version, $1, now() + make_interval(secs => $2::double precision / 1000), 'connecting', NULL, now(), now()
     FROM unnest($3::uuid[], $4::text[], $5::int[]) AS w(flow_id, node_id, version)
     ON CONFLICT (flow_id, node_id) DO UPDATE
       SET version = excluded.version, holder = excluded.holder, lease_expires_at = excluded.lease_expires_at,
           state = CASE WHEN c.holder = excluded.holder THEN c.state ELSE 'connecting' END,
           message = CASE WHEN c.holder = excluded.holder THEN c.message ELSE NULL END,
           state_since = CASE WHEN c.holder = excluded.holder THEN c.state_since ELSE now() END,
           updated_at = now()
       WHERE c.holder IS NULL OR c.holder = excluded.holder OR c.lease_expires_at < now()
     RETURNING c.flow_id::text, c.node_id`,
    [holder, leaseMs, wanted.map((w) => w.flowId), wanted.map((w) => w.nodeId), wanted.map((w) => w.version)],
  );
  return rows.map((r) => ({ flowId: r.flow_id, nodeId: r.node_id }));
}

/** Extends the leases this process holds; returns the ones it still holds (a lease taken over is missing). */
export async function renewLeases(pool: pg.Pool, holder: string, leaseMs: number): Promise<ConsumerKey[]> {
  const { rows } = await pool.query<{ flow_id: string; node_id: string }>(
    `UPDATE source_consumers SET lease_expires_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
     WHERE holder = $1 RETURNING flow_id::text, node_id`,
    [holder, leaseMs],
  );
  return rows.map((r) => ({ flowId: r.flow_id, nodeId: r.node_id }));
}

/** Gives a lease up at once (clean stop), so another process can take it on its next look. */
export async function releaseLease(pool: pg.Pool, holder: string, key: ConsumerKey): Promise<void> {
  await pool.query(
    `UPDATE source_consumers SET holder = NULL, lease_expires_at = now(), state = 'connecting', message = NULL, state_since = now(), updated_at = now()
     WHERE flow_id = $2 AND node_id = $3 AND holder = $1`,
    [holder, key.flowId, key.nodeId],
  );
}

/** Records the connection state the holder sees. */
export async function setConsumerState(pool: pg.Pool, holder: string, key: ConsumerKey, state: string, message: string | null): Promise<void> {
  await pool.query(
    `UPDATE source_consumers SET state = $4, message = $5, updated_at = now(),
       state_since = CASE WHEN state = $4 THEN state_since ELSE now() END
     WHERE flow_id = $2 AND node_id = $3 AND holder = $1`,
    [holder, key.flowId, key.nodeId, state, message],
  );
}

export async function listConsumers(pool: pg.Pool, flowId: string): Promise<ConsumerRow[]> {
  const { rows } = await pool.query<{ node_id: string; version: number; holder: string | null; held: boolean; state: string; message: string | null; state_since: Date }>(
    `SELECT node_id, version, holder, (holder IS NOT NULL AND lease_expires_at > now()) AS held, state, message, state_since
     FROM source_consumers WHERE flow_id = $1 ORDER BY node_id`,
    [flowId],
  );
  return rows.map((r) => ({ flowId, nodeId: r.node_id, version: r.version, holder: r.holder, held: r.held, state: r.state, message: r.message, stateSince: r.state_since.toISOString() }));
}

/** Deployed flows and their versions: where consuming sources may be. */
export async function deployedFlows(pool: pg.Pool): Promise<{ flowId: string; version: number }[]> {
  const { rows } = await pool.query<{ id: string; deployed_version: number }>(
    `SELECT id::text, deployed_version FROM flows WHERE status = 'deployed' AND deployed_version IS NOT NULL`,
  );
  return rows.map((r) => ({ flowId: r.id, version: r.deployed_version }));
}
