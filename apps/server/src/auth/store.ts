import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AppError, type ApiToken, type Role, type User } from '@sluice/shared';
import { hashPassword } from './passwords.js';
import { randomSecret, sha256 } from './crypto.js';
import { inTransaction } from '../storage/db.js';

/** How long a browser session lasts without signing in again. */
export const SESSION_TTL_HOURS = 12;

function toUser(row: Record<string, unknown>): User {
  return {
    id: String(row.id),
    email: String(row.email),
    role: row.role as Role,
    disabled: Boolean(row.disabled),
    createdAt: new Date(row.created_at as string).toISOString(),
  };
}

export async function findUserByEmail(pool: pg.Pool, email: string): Promise<(User & { passwordHash: string }) | null> {
  const { rows } = await pool.query('SELECT * FROM users WHERE email = $1', [email.toLowerCase()]);
  return rows[0] ? { ...toUser(rows[0]), passwordHash: String(rows[0].password_hash) } : null;
}

export async function getUser(pool: pg.Pool, id: string): Promise<User> {
  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
  if (!rows[0]) throw new AppError('not_found', `no user with id ${id}`);
  return toUser(rows[0]);
}

export async function listUsers(pool: pg.Pool): Promise<User[]> {
  const { rows } = await pool.query('SELECT * FROM users ORDER BY created_at');
  return rows.map(toUser);
}

export async function countUsers(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM users');
  return Number(rows[0]?.n ?? 0);
}

export async function createUser(pool: pg.Pool, input: { email: string; password: string; role: Role; flowIds?: string[] }): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await inTransaction(pool, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING *`,
        [randomUUID(), input.email.toLowerCase(), passwordHash, input.role],
      );
      if (!rows[0]) throw new AppError('conflict', `a user with the email ${input.email} exists already`);
      if (input.flowIds?.length) {
        await client.query('INSERT INTO flow_grants (user_id, flow_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [rows[0].id, input.flowIds]);
      }
      return toUser(rows[0]);
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new AppError('invalid_input', 'a granted flow does not exist', { details: { path: 'flowIds' } });
    throw err;
  }
}

export async function updateUser(pool: pg.Pool, id: string, change: { role?: Role; disabled?: boolean; password?: string; flowIds?: string[] }): Promise<User> {
  const passwordHash = change.password === undefined ? null : await hashPassword(change.password);
  const { rows } = await pool.query(
    `UPDATE users SET role = coalesce($2, role), disabled = coalesce($3, disabled),
            password_hash = coalesce($4, password_hash), updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, change.role ?? null, change.disabled ?? null, passwordHash],
  );
  if (!rows[0]) throw new AppError('not_found', `no user with id ${id}`);
  if (change.disabled || change.password !== undefined || change.role !== undefined) {
    // A demoted, disabled or re-keyed account signs in again.
    await pool.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
  }
  if (change.flowIds) {
    await pool.query('DELETE FROM flow_grants WHERE user_id = $1', [id]);
    if (change.flowIds.length) await pool.query('INSERT INTO flow_grants (user_id, flow_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [id, change.flowIds]);
  }
  return toUser(rows[0]);
}

export async function grantedFlows(pool: pg.Pool, userId: string): Promise<string[]> {
  const { rows } = await pool.query('SELECT flow_id FROM flow_grants WHERE user_id = $1', [userId]);
  return rows.map((r) => String(r.flow_id));
}

/** Starts a session; returns the cookie value (shown once) and the CSRF token. */
export async function createSession(pool: pg.Pool, userId: string): Promise<{ cookie: string; csrfToken: string }> {
  const cookie = randomSecret();
  const csrfToken = randomSecret();
  await pool.query(
    `INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))`,
    [sha256(cookie), userId, csrfToken, SESSION_TTL_HOURS],
  );
  return { cookie, csrfToken };
}

export async function findSession(pool: pg.Pool, cookie: string): Promise<{ user: User; csrfToken: string; idHash: string } | null> {
  const { rows } = await pool.query(
    `SELECT u.*, s.csrf_token, s.id_hash FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`,
    [sha256(cookie)],
  );
  return rows[0] ? { user: toUser(rows[0]), csrfToken: String(rows[0].csrf_token), idHash: String(rows[0].id_hash) } : null;
}

export async function revokeSession(pool: pg.Pool, idHash: string): Promise<void> {
  await pool.query('UPDATE sessions SET revoked_at = now() WHERE id_hash = $1', [idHash]);
}

function toToken(row: Record<string, unknown>): ApiToken {
  return {
    id: String(row.id),
    name: String(row.name),
    role: row.role as Role,
    flowIds: (row.flow_ids as string[]) ?? [],
    createdAt: new Date(row.created_at as string).toISOString(),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at as string).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at as string).toISOString() : null,
  };
}

/** Creates an API token; the secret is returned here once and never again. */
export async function createToken(pool: pg.Pool, userId: string, input: { name: string; role: Role; flowIds: string[] }): Promise<{ token: string; info: ApiToken }> {
  const token = randomSecret('slc_');
  const { rows } = await pool.query(
    `INSERT INTO api_tokens (id, user_id, name, role, token_hash, flow_ids) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [randomUUID(), userId, input.name, input.role, sha256(token), input.flowIds],
  );
  return { token, info: toToken(rows[0]!) };
}

export async function listTokens(pool: pg.Pool, userId: string): Promise<ApiToken[]> {
  const { rows } = await pool.query('SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC', [userId]);
  return rows.map(toToken);
}

/** Revokes one of the user's tokens (admins may revoke anyone's). Returns the token's hash for cache eviction. */
export async function revokeToken(pool: pg.Pool, id: string, userId: string | null): Promise<string> {
  const { rows } = await pool.query(
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) RETURNING token_hash`,
    [id, userId],
  );
  if (!rows[0]) throw new AppError('not_found', `no token with id ${id}`);
  return String(rows[0].token_hash);
}

export async function findToken(pool: pg.Pool, token: string): Promise<{ user: User; tokenId: string; tokenName: string; role: Role; flowIds: string[]; tokenHash: string } | null> {
  const tokenHash = sha256(token);
  const { rows } = await pool.query(
    `UPDATE api_tokens t SET last_used_at = now() FROM users u
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.id = t.user_id AND NOT u.disabled
     RETURNING u.*, t.id AS token_id, t.name AS token_name, t.role AS token_role, t.flow_ids`,
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return null;
  return { user: toUser(row), tokenId: String(row.token_id), tokenName: String(row.token_name), role: row.token_role as Role, flowIds: (row.flow_ids as string[]) ?? [], tokenHash };
}
