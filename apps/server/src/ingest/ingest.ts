// Ingest: validate the envelope, give each record its id and correlation id, group-commit the
// records with their jobs, and answer only after the commit.
import type { Logger } from '../logger.js';
import { recordLogFields } from '../engine/record-log.js';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError, type EngineRecord, type FlowSettings, type IngestResult } from '@sluice/shared';
import type { Db } from '../storage/db.js';
import { getIngestTarget } from '../storage/flows.js';
import { flowBacklog } from '../storage/sql/index.js';
import type { PlanCache } from '../compiler/plan-cache.js';
import { GroupCommitter } from './group-commit.js';
import { parseIngestBody } from './parse-body.js';

export interface IngestRequest {
  flowId: string;
  body: Buffer;
  contentType: string | undefined;
  correlationId: string | undefined;
  /** Which source node, when a flow has several. */
  sourceNodeId: string | undefined;
}

interface Cached<T> {
  at: number;
  value: T;
}

/** How long a flow's status and backlog are reused before asking Postgres again, ms. */
const FLOW_TTL_MS = 1000;
const BACKLOG_TTL_MS = 250;

export class IngestService {
  private readonly committer: GroupCommitter;
  private readonly flows = new Map<string, Cached<Awaited<ReturnType<typeof getIngestTarget>>>>();
  private readonly backlog = new Map<string, Cached<number>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly plans: PlanCache,
    private readonly logger?: Logger,
  ) {
    this.committer = new GroupCommitter(pool);
  }

  /** Forget what is cached about a flow (after deploy, stop or delete in this process). */
  invalidate(flowId: string): void {
    this.flows.delete(flowId);
  }

  async ingest(req: IngestRequest): Promise<IngestResult> {
    const target = await this.target(req.flowId);
    if (!target) throw new AppError('not_found', `no flow with id ${req.flowId}`);
    if (target.status !== 'deployed' || target.version === null) {
      throw new AppError('conflict', `the flow is ${target.status === 'stopped' ? 'stopped' : 'not deployed'}; deploy it to accept records`);
    }
    const data = parseIngestBody(req.body, req.contentType);
    const plan = await this.plans.get(req.flowId, target.version);
    if (!plan) throw new AppError('not_found', `no flow with id ${req.flowId}`);

    const webhooks = plan.sources.filter((id) => plan.nodes.get(id)?.type.type === 'source.webhook');
    let sourceId: string;
    if (req.sourceNodeId !== undefined) {
      if (!webhooks.includes(req.sourceNodeId)) {
        throw new AppError('invalid_input', `node "${req.sourceNodeId}" is not a webhook source of this flow`, { details: { path: 'source' } });
      }
      sourceId = req.sourceNodeId;
    } else if (webhooks.length === 1) {
      sourceId = webhooks[0]!;
    } else if (webhooks.length === 0) {
      throw new AppError('conflict', 'this flow has no webhook source to ingest into');
    } else {
      throw new AppError('invalid_input', `this flow has ${webhooks.length} webhook sources; name one with ?source=<node id> (${webhooks.join(', ')})`, { details: { path: 'source' } });
    }
    const source = plan.nodes.get(sourceId)!.runtime;
    if (source.kind === 'source') {
      const problems = source.check(data);
      if (problems.length > 0) {
        const first = problems[0]!;
        throw new AppError('invalid_input', `record ${first.index}${first.path ? ` at ${first.path}` : ''}: ${first.message}`, {
          details: { errors: problems.slice(0, 100) },
        });
      }
    }

    await this.admit(req.flowId, target.settings, data.length);

    const receivedAt = new Date().toISOString();
    const correlationId = req.correlationId ?? uuidv7();
    const records: EngineRecord[] = data.map((d) => ({ id: uuidv7(), correlationId, receivedAt, data: d }));
    await this.committer.commit({ flowId: req.flowId, version: target.version, nodeId: sourceId, chunkSize: target.settings.chunkSize, parallelism: target.settings.parallelism, records });
    const cachedBacklog = this.backlog.get(req.flowId);
    if (cachedBacklog) cachedBacklog.value += records.length;
    this.logger?.debug({ ...recordLogFields(req.flowId, sourceId, records), version: target.version }, 'records accepted');
    return { accepted: records.length, ids: records.map((r) => r.id) };
  }

  /** Backpressure: refuse work the flow cannot hold, before anything is written. */
  private async admit(flowId: string, settings: FlowSettings, incoming: number): Promise<void> {
    const now = Date.now();
    let cached = this.backlog.get(flowId);
    if (!cached || now - cached.at > BACKLOG_TTL_MS) {
      cached = { at: now, value: await flowBacklog(this.pool, flowId) };
      this.backlog.set(flowId, cached);
    }
    if (cached.value + incoming > settings.maxBacklog) {
      throw new AppError('rate_limited', `the flow has ${cached.value} records waiting (limit ${settings.maxBacklog}); try again shortly`, {
        headers: { 'Retry-After': '2' },
        details: { backlog: cached.value, limit: settings.maxBacklog },
      });
    }
  }

  private async target(flowId: string) {
    const now = Date.now();
    const cached = this.flows.get(flowId);
    if (cached && now - cached.at < FLOW_TTL_MS) return cached.value;
    const value = await getIngestTarget(this.db, flowId);
    this.flows.set(flowId, { at: now, value });
    return value;
  }
}
