import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Keyring } from '../vault/keyring.js';
import {
  AppError,
  type Alert,
  type AlertChannel,
  type AlertEvent,
  type AlertHistoryPage,
  type AlertHistoryQuery,
  type CreateAlertChannelBody,
  type CreatedAlertChannel,
} from '@sluice/shared';

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toAlert(row: Record<string, unknown>): Alert {
  return {
    id: Number(row.id),
    flowId: String(row.flow_id),
    flowName: String(row.flow_name),
    rule: row.rule as Alert['rule'],
    state: row.state as Alert['state'],
    value: num(row.value),
    threshold: Number(row.threshold),
    message: String(row.message),
    since: iso(row.since)!,
    firingAt: iso(row.firing_at),
    resolvedAt: iso(row.resolved_at),
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
    silencedUntil: iso(row.silenced_until),
    updatedAt: iso(row.updated_at)!,
  };
}

const ALERT_COLUMNS = `a.id, a.flow_id, f.name AS flow_name, a.rule, a.state, a.value, a.threshold, a.message, a.since, a.firing_at,
  a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.silenced_until, a.updated_at`;

/** Current alerts, firing first, then pending, then the recently resolved. */
export async function listAlerts(pool: pg.Pool, filter: { state: 'pending' | 'firing' | 'resolved' | 'active' | 'all'; flowId?: string }): Promise<Alert[]> {
  const states = filter.state === 'active' ? ['pending', 'firing'] : filter.state === 'all' ? ['pending', 'firing', 'resolved'] : [filter.state];
  const { rows } = await pool.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN flows f ON f.id = a.flow_id
     WHERE a.state = ANY ($1) AND ($2::uuid IS NULL OR a.flow_id = $2)
     ORDER BY CASE a.state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, a.updated_at DESC
     LIMIT 1000`,
    [states, filter.flowId ?? null],
  );
  return rows.map(toAlert);
}

/** State changes, newest first, a page at a time (the cursor is the last event id seen). */
export async function alertHistory(pool: pg.Pool, query: AlertHistoryQuery): Promise<AlertHistoryPage> {
  const { rows } = await pool.query(
    `SELECT e.id, e.alert_id, e.flow_id, f.name AS flow_name, e.rule, e.state, e.value, e.threshold, e.message, e.at
     FROM alert_events e JOIN flows f ON f.id = e.flow_id
     WHERE ($1::bigint IS NULL OR e.id < $1) AND ($2::uuid IS NULL OR e.flow_id = $2) AND ($3::text IS NULL OR e.rule = $3)
     ORDER BY e.id DESC LIMIT $4`,
    [query.cursor ?? null, query.flowId ?? null, query.rule ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const items: AlertEvent[] = page.map((row) => ({
    id: Number(row.id),
    alertId: Number(row.alert_id),
    flowId: String(row.flow_id),
    flowName: String(row.flow_name),
    rule: row.rule,
    state: row.state,
    value: num(row.value),
    threshold: Number(row.threshold),
    message: String(row.message),
    at: iso(row.at)!,
  }));
  return { items, nextCursor: rows.length > query.limit ? items[items.length - 1]!.id : null };
}

function alertId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found', `no alert with id ${raw}`);
  return Number(raw);
}

async function updateAlert(pool: pg.Pool, rawId: string, set: string, params: unknown[]): Promise<Alert> {
  const id = alertId(rawId);
  const { rows } = await pool.query(
    `WITH a AS (UPDATE alerts SET ${set} WHERE id = $1 RETURNING *)
     SELECT ${ALERT_COLUMNS} FROM a JOIN flows f ON f.id = a.flow_id`,
    [id, ...params],
  );
  if (!rows[0]) throw new AppError('not_found', `no alert with id ${rawId}`);
  return toAlert(rows[0]);
}

/** Marks the current episode as seen by someone; a new episode clears it. */
export function acknowledgeAlert(pool: pg.Pool, id: string, by: string): Promise<Alert> {
  return updateAlert(pool, id, 'acknowledged_at = now(), acknowledged_by = $2', [by]);
}

/** No notifications and no banner for this (flow, rule) until the silence ends. */
export function silenceAlert(pool: pg.Pool, id: string, minutes: number): Promise<Alert> {
  return updateAlert(pool, id, 'silenced_until = now() + make_interval(mins => $2::int)', [minutes]);
}

export function unsilenceAlert(pool: pg.Pool, id: string): Promise<Alert> {
  return updateAlert(pool, id, 'silenced_until = NULL', []);
}

function toChannel(row: Record<string, unknown>): AlertChannel {
  return {
    id: String(row.id),
    name: String(row.name),
    url: String(row.url),
    format: row.format as AlertChannel['format'],
    flowIds: (row.flow_ids as string[]) ?? [],
    retry: row.retry as AlertChannel['retry'],
    timeoutMs: Number(row.timeout_ms),
    createdAt: iso(row.created_at)!,
  };
}

export async function listAlertChannels(pool: pg.Pool): Promise<AlertChannel[]> {
  const { rows } = await pool.query('SELECT id, name, url, format, flow_ids, retry, timeout_ms, created_at FROM alert_channels ORDER BY created_at');
  return rows.map(toChannel);
}

/**
 * A channel's signing secret as stored: sealed with the vault key (the column holds the envelope).
 * Channels made before secrets were sealed hold the plain text; `vault:rotate` seals those too.
 */
export function openChannelSecret(keyring: Keyring, stored: string): string {
  return stored.startsWith('v1.') ? keyring.openString(stored) : stored;
}

/** Creates a channel; its signing secret is stored sealed, and answered this once only when generated. */
export async function createAlertChannel(pool: pg.Pool, keyring: Keyring, body: CreateAlertChannelBody): Promise<CreatedAlertChannel> {
  const secret = body.secret ?? randomBytes(32).toString('base64url');
  if (body.flowIds.length > 0) {
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM flows WHERE id = ANY ($1)', [body.flowIds]);
    const missing = body.flowIds.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new AppError('invalid_input', `flowIds: no flow with id ${missing[0]}`, { details: { errors: [{ path: 'flowIds', message: `no flow with id ${missing[0]}` }] } });
  }
  const { rows } = await pool.query(
    `INSERT INTO alert_channels (id, name, url, format, secret, flow_ids, retry, timeout_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id, name, url, format, flow_ids, retry, timeout_ms, created_at`,
    [randomUUID(), body.name, body.url, body.format, keyring.sealToString(secret), body.flowIds, JSON.stringify(body.retry), body.timeoutMs],
  );
  return body.secret === undefined ? { ...toChannel(rows[0]), secret } : toChannel(rows[0]);
}

/** Deletes a channel; answers its name (for the audit log). */
export async function deleteAlertChannel(pool: pg.Pool, id: string): Promise<{ name: string }> {
  const { rows } = await pool.query<{ name: string }>('DELETE FROM alert_channels WHERE id = $1 RETURNING name', [id]);
  if (!rows[0]) throw new AppError('not_found', `no alert channel with id ${id}`);
  return rows[0];
}
