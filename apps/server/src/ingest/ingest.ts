// Ingest: validate the envelope, give each record its id and correlation id, group-commit the
// records with their jobs, and answer only after the commit.
import type { Logger } from '../logger.js';
import { recordLogFields } from '../engine/record-log.js';
import type pg from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { newRecordId } from './record-ids.js';
import { AppError, encryptsAtRest, type EngineRecord, type FlowSettings, type IngestResult } from '@sluice/shared';
import type { Db } from '../storage/db.js';
import { getIngestTarget } from '../storage/flows.js';
import { commitRunPage, flowBacklog, freshChunks, insertSourceDeadLetters, type RunPageCommit } from '../storage/sql/index.js';
import type { DeployedPlan, PlanCache } from '../compiler/plan-cache.js';
import type { Plan } from '../compiler/compile.js';
import type { WebhookAuth } from '@sluice/nodes';
import { GroupCommitter } from './group-commit.js';
import { SharedLookup } from './shared-lookup.js';
import type { Keyring } from '../vault/keyring.js';
import { sealJsonText } from '../vault/sealed-json.js';
import { checkStorableRecords, parseIngestBody } from './parse-body.js';

export interface IngestRequest {
  flowId: string;
  body: Buffer;
  contentType: string | undefined;
  correlationId: string | undefined;
  /** Which source node, when a flow has several. */
  sourceNodeId: string | undefined;
}

/** Records a source node produced (not an HTTP body): already parsed, the source already chosen. */
export interface SourceBatch {
  flowId: string;
  sourceNodeId: string;
  data: Record<string, unknown>[];
  /** Shared by the batch's records; a new one when absent. */
  correlationId?: string;
  /**
   * A page of a run: committed in one transaction with the page mark and the run's counts (see
   * commitRunPage), so a replayed page is refused whole. Absent for records outside a run.
   */
  runPage?: RunPageCommit;
  /**
   * What names each record at its origin (a broker message id, a stream entry id), index by index:
   * a record with a key gets an id derived from (flow, source node, key), so the same message
   * delivered again is the same record and idempotent sinks write it once. Default: new ids.
   */
  keys?: (string | undefined)[];
}

/** Messages a source node could not take, to keep as dead letters at that node. */
export interface SourceRejects {
  flowId: string;
  sourceNodeId: string;
  items: {
    /** As in SourceBatch.keys: the same message delivered again is the same dead letter. */
    key?: string;
    /** The message as text (the caller bounds it). */
    raw: string;
    /** What was wrong, for the analyst. */
    reason: string;
  }[];
}

/** How long a flow's status and backlog are reused before asking Postgres again, ms. */
const FLOW_TTL_MS = 1000;
const BACKLOG_TTL_MS = 250;

/** The webhook source a request names, or the flow's only one; a 4xx naming the choices otherwise. */
function webhookSourceOf(plan: Plan, sourceNodeId: string | undefined): string {
  const webhooks = plan.sources.filter((id) => plan.nodes.get(id)?.type.type === 'source.webhook');
  if (sourceNodeId !== undefined) {
    if (!webhooks.includes(sourceNodeId)) {
      throw new AppError('invalid_input', `node "${sourceNodeId}" is not a webhook source of this flow`, { details: { path: 'source' } });
    }
    return sourceNodeId;
  }
  if (webhooks.length === 1) return webhooks[0]!;
  if (webhooks.length === 0) throw new AppError('conflict', 'this flow has no webhook source to ingest into');
  throw new AppError('invalid_input', `this flow has ${webhooks.length} webhook sources; name one with ?source=<node id> (${webhooks.join(', ')})`, { details: { path: 'source' } });
}

export class IngestService {
  private readonly committer: GroupCommitter;
  private readonly flows: SharedLookup<Awaited<ReturnType<typeof getIngestTarget>>>;
  private readonly backlog: SharedLookup<number>;
  private readonly sealer: (json: string) => string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly plans: PlanCache,
    keyring: Keyring,
    private readonly logger?: Logger,
  ) {
    this.committer = new GroupCommitter(pool);
    this.flows = new SharedLookup(FLOW_TTL_MS, (flowId) => getIngestTarget(this.db, flowId));
    this.backlog = new SharedLookup(BACKLOG_TTL_MS, (flowId) => flowBacklog(this.pool, flowId));
    this.sealer = (json) => sealJsonText(keyring, json);
  }

  /** Forget what is cached about a flow (after deploy, stop or delete in this process). */
  invalidate(flowId: string): void {
    this.flows.forget(flowId);
  }

  /** An HTTP push to a flow's webhook source: parse the body, pick the source, accept the records. */
  async ingest(req: IngestRequest): Promise<IngestResult> {
    const { target, plan } = await this.deployed(req.flowId);
    const data = parseIngestBody(req.body, req.contentType);
    const sourceId = webhookSourceOf(plan, req.sourceNodeId);
    return this.commitRecords(target, plan, sourceId, data, req.correlationId);
  }

  /**
   * Records from any source node of a deployed flow (a pull, a broker message, an uploaded file):
   * checked by the source, subject to backpressure, committed with their jobs. Resolves only after
   * the commit, so a source acknowledges to its origin (broker ack, watermark advance) after this.
   */
  async accept(batch: SourceBatch): Promise<IngestResult> {
    const { target, plan } = await this.deployed(batch.flowId);
    if (!plan.sources.includes(batch.sourceNodeId)) {
      throw new AppError('invalid_input', `node "${batch.sourceNodeId}" is not a source of this flow`, { details: { path: 'source' } });
    }
    checkStorableRecords(batch.data);
    const ids = batch.keys?.map((key) => (key === undefined ? undefined : recordIdFor(batch.flowId, batch.sourceNodeId, key)));
    return this.commitRecords(target, plan, batch.sourceNodeId, batch.data, batch.correlationId, batch.runPage, ids);
  }

  /**
   * Commits messages a source could not take (a broker body that is not a record, or one the
   * source's check refused) as dead letters at the source node, kind `invalid`, with the message
   * text as the record `{ text }`: shown, edited and retried like any other dead letter. Resolves
   * after the commit, so the source acknowledges them to the broker after this. Returns how many
   * were new (a redelivered message is not dead-lettered twice).
   */
  async rejectAtSource(rejects: SourceRejects): Promise<number> {
    const { target, plan } = await this.deployed(rejects.flowId);
    if (!plan.sources.includes(rejects.sourceNodeId)) {
      throw new AppError('invalid_input', `node "${rejects.sourceNodeId}" is not a source of this flow`, { details: { path: 'source' } });
    }
    const seal = encryptsAtRest(plan.settings);
    const receivedAt = new Date().toISOString();
    const correlationId = newRecordId();
    const letters = rejects.items.map((item) => {
      // Postgres keeps no NUL character in jsonb text.
      const record = { text: item.raw.replaceAll('\u0000', '\uFFFD') };
      return {
        recordId: item.key === undefined ? newRecordId() : recordIdFor(rejects.flowId, rejects.sourceNodeId, item.key),
        correlationId,
        receivedAt,
        record: seal ? JSON.parse(this.sealer(JSON.stringify(record))) : record,
        message: item.reason,
      };
    });
    const written = await insertSourceDeadLetters(this.pool, { flowId: rejects.flowId, version: target.version, nodeId: rejects.sourceNodeId }, letters);
    // Counts only: a reason can quote the message body, which is record data.
    this.logger?.warn({ flowId: rejects.flowId, nodeId: rejects.sourceNodeId, deadLettered: written }, 'messages the source could not take were dead-lettered');
    return written;
  }

  private async deployed(flowId: string) {
    const target = await this.flows.get(flowId);
    if (!target) throw new AppError('not_found', `no flow with id ${flowId}`);
    if (target.status !== 'deployed' || target.version === null) {
      throw new AppError('conflict', `the flow is ${target.status === 'stopped' ? 'stopped' : 'not deployed'}; deploy it to accept records`);
    }
    const plan = await this.plans.get(flowId, target.version);
    if (!plan) throw new AppError('not_found', `no flow with id ${flowId}`);
    return { target: { flowId, status: target.status, version: target.version, settings: target.settings }, plan };
  }

  private async commitRecords(
    target: { flowId: string; version: number; settings: FlowSettings },
    plan: DeployedPlan,
    sourceId: string,
    data: Record<string, unknown>[],
    correlationIdGiven: string | undefined,
    runPage?: RunPageCommit,
    ids?: (string | undefined)[],
  ): Promise<IngestResult> {
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

    await this.admit(target.flowId, target.settings, data.length);

    const receivedAt = new Date().toISOString();
    const correlationId = correlationIdGiven ?? newRecordId();
    const records: EngineRecord[] = data.map((d, i) => ({ id: ids?.[i] ?? newRecordId(), correlationId, receivedAt, data: d }));
    const seal = encryptsAtRest(plan.settings) ? this.sealer : undefined;
    if (runPage) {
      // A run's page commits alone (not group-committed): its page mark must share its transaction.
      const chunks = freshChunks(
        { flowId: target.flowId, version: target.version, nodeId: sourceId, chunkSize: target.settings.chunkSize, parallelism: target.settings.parallelism, seal, runId: runPage.runId },
        records,
      );
      const fresh = await commitRunPage(this.pool, { flowId: target.flowId, version: target.version, nodeId: sourceId }, runPage, chunks, records.length);
      if (!fresh) return { accepted: 0, ids: [] };
    } else {
      await this.committer.commit({ flowId: target.flowId, version: target.version, nodeId: sourceId, chunkSize: target.settings.chunkSize, parallelism: target.settings.parallelism, records, seal });
    }
    this.backlog.update(target.flowId, (n) => n + records.length);
    // Built only when someone reads debug lines: this is the ingest hot path.
    if (this.logger?.isLevelEnabled('debug')) this.logger.debug({ ...recordLogFields(target.flowId, sourceId, records), version: target.version }, 'records accepted');
    return { accepted: records.length, ids: records.map((r) => r.id) };
  }

  /** Backpressure: refuse work the flow cannot hold, before anything is written. */
  private async admit(flowId: string, settings: FlowSettings, incoming: number): Promise<void> {
    const backlog = await this.backlog.get(flowId);
    if (backlog + incoming > settings.maxBacklog) {
      throw new AppError('rate_limited', `the flow has ${backlog} records waiting (limit ${settings.maxBacklog}); try again shortly`, {
        headers: { 'Retry-After': '2' },
        details: { backlog, limit: settings.maxBacklog },
      });
    }
  }

  /**
   * The webhook source a request names (or the flow's only one) and who may post to it, from the
   * last deployed version (a stopped flow still says who may try). Null when there is none.
   */
  async sourceAuth(flowId: string, sourceNodeId: string | undefined): Promise<{ nodeId: string; auth: WebhookAuth | undefined } | null> {
    const target = await this.flows.get(flowId);
    if (!target || target.version === null) return null;
    const plan = await this.plans.get(flowId, target.version);
    if (!plan) return null;
    try {
      const nodeId = webhookSourceOf(plan, sourceNodeId);
      const runtime = plan.nodes.get(nodeId)!.runtime;
      return { nodeId, auth: runtime.kind === 'source' ? runtime.auth : undefined };
    } catch {
      return null;
    }
  }
}

/** A record id derived from where the record came from: the same (flow, source node, key) always gives the same id. */
export function recordIdFor(flowId: string, sourceNodeId: string, key: string): string {
  return uuidv5(`${sourceNodeId}\n${key}`, flowId);
}
