import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { AppError, FlowSettingsSchema, type CreateFlowBody, type Flow, type FlowSettings, type FlowSummary, type Graph } from '@sluice/shared';
import type pg from 'pg';
import type { Db } from './db.js';
import { recentFlowFigures } from './metrics.js';
import { flowVersions, flows } from './schema.js';

type FlowRow = typeof flows.$inferSelect;

const latestVersion = sql<number | null>`(SELECT max(v.version) FROM flow_versions v WHERE v.flow_id = ${flows.id})`;

function toFlow(row: FlowRow, latest: number | null): Flow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    graph: row.graph,
    settings: FlowSettingsSchema.parse(row.settings),
    status: row.status,
    deployedVersion: row.deployedVersion,
    latestVersion: latest,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    deployedAt: row.deployedAt ? new Date(row.deployedAt).toISOString() : null,
  };
}

function graphOf(body: CreateFlowBody): Graph {
  return { name: body.name, description: body.description, nodes: body.nodes, edges: body.edges };
}

export async function createFlow(db: Db, body: CreateFlowBody): Promise<Flow> {
  const [row] = await db
    .insert(flows)
    .values({
      id: randomUUID(),
      name: body.name,
      description: body.description ?? null,
      graph: graphOf(body),
      settings: FlowSettingsSchema.parse(body.settings ?? {}),
      salt: randomBytes(16).toString('hex'),
    })
    .returning();
  return toFlow(row!, null);
}

export async function listFlows(db: Db, pool: pg.Pool): Promise<FlowSummary[]> {
  const rows = await db.select({ row: flows, latest: latestVersion }).from(flows).orderBy(desc(flows.createdAt));
  const live = await recentFlowFigures(pool, new Map(rows.map(({ row }) => [row.id, row.graph])));
  return rows.map(({ row, latest }) => {
    const { graph, ...summary } = toFlow(row, latest);
    return { ...summary, nodeCount: graph.nodes.length, live: live.get(row.id) ?? { recordsPerSecond: 0, errorRate: null } };
  });
}

export async function getFlow(db: Db, id: string): Promise<Flow> {
  const rows = await db.select({ row: flows, latest: latestVersion }).from(flows).where(eq(flows.id, id));
  const found = rows[0];
  if (!found) throw new AppError('not_found', `no flow with id ${id}`);
  return toFlow(found.row, found.latest);
}

export async function updateFlow(db: Db, id: string, body: CreateFlowBody): Promise<Flow> {
  const current = await getFlow(db, id);
  // Only the settings the body names change; the rest keep their current values.
  const given = Object.fromEntries(Object.entries(body.settings ?? {}).filter(([, v]) => v !== undefined));
  const settings: FlowSettings = FlowSettingsSchema.parse({ ...current.settings, ...given });
  const rows = await db
    .update(flows)
    .set({ name: body.name, description: body.description ?? null, graph: graphOf(body), settings, updatedAt: sql`now()` })
    .where(eq(flows.id, id))
    .returning();
  if (!rows[0]) throw new AppError('not_found', `no flow with id ${id}`);
  return toFlow(rows[0], current.latestVersion);
}

export async function deleteFlow(db: Db, id: string): Promise<void> {
  const flow = await getFlow(db, id);
  if (flow.status === 'deployed') {
    throw new AppError('conflict', `flow "${flow.name}" is deployed; stop it before deleting it`);
  }
  await db.delete(flows).where(eq(flows.id, id));
}

/** Writes the graph as a new immutable version and makes it the one that runs. */
export async function deployFlow(db: Db, id: string, graph: Graph, settings: FlowSettings): Promise<number> {
  return db.transaction(async (tx) => {
    // Lock the flow row so two deploys at once get different version numbers.
    const locked = await tx.select({ id: flows.id }).from(flows).where(eq(flows.id, id)).for('update');
    if (locked.length === 0) throw new AppError('not_found', `no flow with id ${id}`);
    const [{ next }] = (await tx
      .select({ next: sql<number>`coalesce(max(${flowVersions.version}), 0) + 1` })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, id))) as [{ next: number }];
    await tx.insert(flowVersions).values({ flowId: id, version: next, graph, settings });
    await tx
      .update(flows)
      .set({ status: 'deployed', deployedVersion: next, deployedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(flows.id, id));
    return next;
  });
}

export async function stopFlow(db: Db, id: string): Promise<Flow> {
  const rows = await db
    .update(flows)
    .set({ status: 'stopped', updatedAt: sql`now()` })
    .where(and(eq(flows.id, id), eq(flows.status, 'deployed')))
    .returning({ id: flows.id });
  const flow = await getFlow(db, id);
  if (rows.length === 0 && flow.status !== 'stopped') {
    throw new AppError('conflict', `flow "${flow.name}" is not deployed`);
  }
  return flow;
}

/** What ingest needs to know about a flow, or null when there is no such flow. */
export async function getIngestTarget(db: Db, id: string): Promise<{ status: Flow['status']; version: number | null; settings: FlowSettings } | null> {
  const rows = await db
    .select({ status: flows.status, version: flows.deployedVersion, settings: flows.settings })
    .from(flows)
    .where(eq(flows.id, id));
  const row = rows[0];
  if (!row) return null;
  return { status: row.status, version: row.version, settings: FlowSettingsSchema.parse(row.settings) };
}
