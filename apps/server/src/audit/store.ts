import type pg from 'pg';
import type { AuditEntry, AuditPage, AuditQuery } from '@sluice/shared';

export interface AuditRow {
  userId: string | null;
  actor: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  sourceIp: string | null;
  correlationId: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

/** Appends one row; the table refuses anything but INSERT. */
export async function insertAuditRow(pool: pg.Pool, row: AuditRow): Promise<void> {
  await pool.query(
    `INSERT INTO audit_log (user_id, actor, action, resource_type, resource_id, source_ip, correlation_id, outcome, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [row.userId, row.actor, row.action, row.resourceType, row.resourceId, row.sourceIp, row.correlationId, row.outcome, JSON.stringify(row.details)],
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Newest first, `limit` rows from before `cursor` (an id), with the filters of the query. */
export async function queryAudit(pool: pg.Pool, query: AuditQuery): Promise<AuditPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.cursor) add((p) => `id < ${p}::bigint`, query.cursor);
  if (query.action) add((p) => `action = ${p}`, query.action);
  if (query.outcome) add((p) => `outcome = ${p}`, query.outcome);
  if (query.resourceType) add((p) => `resource_type = ${p}`, query.resourceType);
  if (query.resourceId) add((p) => `resource_id = ${p}`, query.resourceId);
  if (query.from) add((p) => `at >= ${p}::timestamptz`, query.from);
  if (query.to) add((p) => `at <= ${p}::timestamptz`, query.to);
  if (query.user) {
    if (UUID.test(query.user)) add((p) => `user_id = ${p}::uuid`, query.user);
    else add((p) => `actor ILIKE ${p}`, `%${query.user.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  params.push(query.limit + 1);
  const { rows } = await pool.query(
    `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit).map(toEntry);
  return { items: page, nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
}

function toEntry(row: Record<string, unknown>): AuditEntry {
  return {
    id: String(row.id),
    at: new Date(row.at as string).toISOString(),
    userId: (row.user_id as string | null) ?? null,
    actor: (row.actor as string | null) ?? null,
    action: String(row.action),
    resourceType: (row.resource_type as string | null) ?? null,
    resourceId: (row.resource_id as string | null) ?? null,
    sourceIp: (row.source_ip as string | null) ?? null,
    correlationId: (row.correlation_id as string | null) ?? null,
    outcome: row.outcome as AuditEntry['outcome'],
    details: (row.details as Record<string, unknown>) ?? {},
  };
}
