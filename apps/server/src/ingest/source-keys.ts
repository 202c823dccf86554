// API keys of webhook sources: generated here, shown once, kept only as HMAC-SHA256 with the
// server pepper (a fast keyed hash: the keys are 256-bit random, so a slow hash buys nothing and
// would cost every ingest request).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { AppError, type SourceApiKey } from '@sluice/shared';

const KEY_PREFIX = 'slk_';

export function hashApiKey(pepper: Buffer, key: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

/**
 * The pepper for API key hashes: `SLUICE_KEY_PEPPER` when set (every server process of a cluster
 * must share it), else a random one kept in `<dataDir>/key-pepper` (mode 0600), made on first use.
 */
export function loadKeyPepper(fromEnv: string | undefined, dataDir: string): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const file = path.join(dataDir, 'key-pepper');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}`, { cause: err });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const pepper = randomBytes(32);
  try {
    fs.writeFileSync(file, `${pepper.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return pepper;
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
    throw err;
  }
}

function toKey(row: Record<string, unknown>): SourceApiKey {
  return {
    id: String(row.id),
    flowId: String(row.flow_id),
    nodeId: String(row.node_id),
    name: String(row.name),
    prefix: String(row.prefix),
    createdAt: new Date(row.created_at as string).toISOString(),
    revokedAt: row.revoked_at ? new Date(row.revoked_at as string).toISOString() : null,
  };
}

export async function createSourceKey(
  pool: pg.Pool,
  pepper: Buffer,
  input: { flowId: string; nodeId: string; name: string; createdBy: string },
): Promise<{ key: string; info: SourceApiKey }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await pool.query(
    `INSERT INTO source_api_keys (id, flow_id, node_id, name, key_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [randomUUID(), input.flowId, input.nodeId, input.name, hashApiKey(pepper, key), key.slice(0, KEY_PREFIX.length + 6), input.createdBy],
  );
  return { key, info: toKey(rows[0]!) };
}

export async function listSourceKeys(pool: pg.Pool, flowId: string, nodeId: string): Promise<SourceApiKey[]> {
  const { rows } = await pool.query('SELECT * FROM source_api_keys WHERE flow_id = $1 AND node_id = $2 ORDER BY created_at', [flowId, nodeId]);
  return rows.map(toKey);
}

export async function revokeSourceKey(pool: pg.Pool, flowId: string, nodeId: string, id: string): Promise<SourceApiKey> {
  const { rows } = await pool.query(
    `UPDATE source_api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND flow_id = $2 AND node_id = $3 RETURNING *`,
    [id, flowId, nodeId],
  );
  if (!rows[0]) throw new AppError('not_found', `no key with id ${id} on node "${nodeId}"`);
  return toKey(rows[0]);
}

/** Hashes of the live keys of one source → key id. */
export async function liveKeyHashes(pool: pg.Pool, flowId: string, nodeId: string): Promise<Map<string, { id: string; name: string }>> {
  const { rows } = await pool.query('SELECT id, name, key_hash FROM source_api_keys WHERE flow_id = $1 AND node_id = $2 AND revoked_at IS NULL', [flowId, nodeId]);
  return new Map(rows.map((r) => [String(r.key_hash), { id: String(r.id), name: String(r.name) }]));
}
