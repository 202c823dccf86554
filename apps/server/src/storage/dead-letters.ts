import type pg from 'pg';
import { AppError, FlowSettingsSchema, encryptsAtRest, type DeadLetter, type DeadLetterPage, type DeadLetterQuery, type DeadLetterSelection, type RecordError } from '@sluice/shared';
import { freshChunks, insertChunks, type ChunkTarget } from './sql/index.js';
import type { Keyring } from '../vault/keyring.js';
import { openJson, sealJsonText } from '../vault/sealed-json.js';
import { inTransaction } from './db.js';

const COLUMNS = `id, flow_id, node_id, version, record_id, correlation_id, record, error, attempts, generation, status, created_at, updated_at`;

/** A row as the API shows it; a record sealed at rest (the flow's encryptAtRest) is opened here. */
function toDeadLetter(row: Record<string, unknown>, keyring: Keyring): DeadLetter {
  return {
    id: String(row.id),
    flowId: String(row.flow_id),
    nodeId: String(row.node_id),
    version: Number(row.version),
    recordId: String(row.record_id),
    correlationId: String(row.correlation_id),
    record: openJson(keyring, row.record),
    error: row.error as RecordError,
    attempts: Number(row.attempts),
    generation: Number(row.generation),
    status: row.status as DeadLetter['status'],
    createdAt: new Date(row.created_at as string).toISOString(),
    updatedAt: new Date(row.updated_at as string).toISOString(),
  };
}

/** Newest first; the cursor is the last id seen, so pages stay stable while new ones arrive. */
export async function listDeadLetters(pool: pg.Pool, keyring: Keyring, flowId: string | undefined, query: DeadLetterQuery): Promise<DeadLetterPage> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    where.push(clause.replace('?', `$${values.length}`));
  };
  if (flowId) add('flow_id = ?', flowId);
  if (query.status) add('status = ?', query.status);
  if (query.nodeId) add('node_id = ?', query.nodeId);
  if (query.q) add(`error->>'message' ILIKE ?`, `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (query.cursor !== undefined) {
    if (!/^\d{1,19}$/.test(query.cursor)) throw new AppError('invalid_input', 'cursor is not one this API gave out', { details: { path: 'cursor' } });
    add('id < ?', query.cursor);
  }
  values.push(query.limit);
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  const items = rows.map((r) => toDeadLetter(r, keyring));
  return { items, nextCursor: items.length === query.limit ? items[items.length - 1]!.id : null };
}

export async function getDeadLetter(pool: pg.Pool, keyring: Keyring, id: string): Promise<DeadLetter> {
  if (!/^\d{1,19}$/.test(id)) throw new AppError('not_found', `no dead letter with id ${id}`);
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
  if (!rows[0]) throw new AppError('not_found', `no dead letter with id ${id}`);
  return toDeadLetter(rows[0], keyring);
}

/** Replaces the record's data before a retry; only a pending dead letter can be edited. */
export async function editDeadLetter(pool: pg.Pool, keyring: Keyring, id: string, record: unknown): Promise<DeadLetter> {
  const current = await getDeadLetter(pool, keyring, id);
  const flow = await pool.query('SELECT settings FROM flows WHERE id = $1', [current.flowId]);
  const seal = flow.rows[0] !== undefined && encryptsAtRest(FlowSettingsSchema.parse(flow.rows[0].settings));
  if (current.status !== 'pending') throw new AppError('conflict', `dead letter ${id} is ${current.status}; only pending ones can be edited`);
  const { rows } = await pool.query(
    `UPDATE dead_letters SET record = $2, updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id, seal ? sealJsonText(keyring, JSON.stringify(record)) : JSON.stringify(record)],
  );
  if (!rows[0]) throw new AppError('conflict', `dead letter ${id} changed meanwhile; reload it`);
  return toDeadLetter(rows[0], keyring);
}

/** The pending dead letters a selection names, as a WHERE clause on `dead_letters` (aliased `d` when given). */
function selectionWhere(selection: DeadLetterSelection, alias = ''): { clause: string; values: unknown[] } {
  const d = alias ? `${alias}.` : '';
  if ('ids' in selection) return { clause: `${d}id = ANY($1::bigint[]) AND ${d}status = 'pending'`, values: [selection.ids] };
  if (selection.nodeId) return { clause: `${d}flow_id = $1 AND ${d}node_id = $2 AND ${d}status = 'pending'`, values: [selection.flowId, selection.nodeId] };
  return { clause: `${d}flow_id = $1 AND ${d}status = 'pending'`, values: [selection.flowId] };
}

/**
 * Sends pending dead letters back into their flows at the node where they failed, on the flow's
 * deployed version, keeping each record's id; a new failure becomes a new dead letter (next
 * generation). Flows that are not deployed are refused, with nothing changed.
 */
export async function retryDeadLetters(pool: pg.Pool, keyring: Keyring, selection: DeadLetterSelection): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { clause, values } = selectionWhere(selection, 'd');
    const { rows } = await client.query(
      `SELECT d.id, d.flow_id, d.node_id, d.record_id, d.correlation_id, d.received_at, d.record, d.generation,
              f.status AS flow_status, f.deployed_version, f.name AS flow_name, f.settings AS flow_settings
       FROM dead_letters d JOIN flows f ON f.id = d.flow_id
       WHERE ${clause}
       ORDER BY d.id FOR UPDATE OF d`,
      values,
    );
    const notDeployed = rows.filter((r) => r.flow_status !== 'deployed' || r.deployed_version === null);
    if (notDeployed.length > 0) {
      throw new AppError('conflict', `flow "${notDeployed[0]!.flow_name}" is not deployed; deploy it before retrying its dead letters`, {
        details: { ids: notDeployed.map((r) => String(r.id)).slice(0, 100) },
      });
    }
    const groups = new Map<string, ChunkTarget & { items: typeof rows }>();
    for (const row of rows) {
      const key = `${row.flow_id}\u0000${row.node_id}`;
      const settings = FlowSettingsSchema.parse(row.flow_settings);
      const group = groups.get(key) ?? {
        flowId: String(row.flow_id),
        version: Number(row.deployed_version),
        nodeId: String(row.node_id),
        chunkSize: settings.chunkSize,
        parallelism: settings.parallelism,
        seal: encryptsAtRest(settings) ? (json: string) => sealJsonText(keyring, json) : undefined,
        items: [],
      };
      group.items.push(row);
      groups.set(key, group);
    }
    // No retry key: the status change below, under the row locks, is what stops a second retry of the same letters.
    const chunks = [...groups.values()].flatMap((group) =>
      freshChunks(
        group,
        group.items.map((r) => ({
          id: String(r.record_id),
          correlationId: String(r.correlation_id),
          receivedAt: new Date(r.received_at as string).toISOString(),
          data: openJson(keyring, r.record),
          generation: Number(r.generation) + 1,
        })),
      ),
    );
    await insertChunks(client, chunks);
    if (rows.length > 0) {
      await client.query(`UPDATE dead_letters SET status = 'retried', updated_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    }
    return rows.length;
  });
}

export async function discardDeadLetters(pool: pg.Pool, selection: DeadLetterSelection): Promise<number> {
  const { clause, values } = selectionWhere(selection);
  const result = await pool.query(`UPDATE dead_letters SET status = 'discarded', updated_at = now() WHERE ${clause}`, values);
  return result.rowCount ?? 0;
}
