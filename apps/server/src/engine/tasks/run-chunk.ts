import { z } from 'zod';
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { encryptsAtRest, type EngineRecord } from '@sluice/shared';
import type { Keyring } from '../../vault/keyring.js';
import { openJson, sealJsonText } from '../../vault/sealed-json.js';
import type { PlanCache } from '../../compiler/plan-cache.js';
import { chunkQueue, chunkRecordsFrom, chunkRecordsJson, completeChunk, loadChunks, type LoadedChunk, type NewChunk, type NewDeadLetter, type RunOutcome } from '../../storage/sql/index.js';
import { executeChunk, type ChunkOutcome } from '../execute.js';
import { ChunkStats, type StatsCollector } from '../stats-collector.js';
import type { Logger } from '../../logger.js';
import { isDatabaseUnavailable } from '../../storage/db-errors.js';
import type { DeployedPlan } from '../../compiler/plan-cache.js';
import { countChunkQuality, qualityProfile, type QualityProfile } from '../quality.js';
import { recordLogFields } from '../record-log.js';

/** Each deployed version's quality profile, computed once. */
const profiles = new WeakMap<DeployedPlan, QualityProfile>();
function profileOf(plan: DeployedPlan): QualityProfile {
  let profile = profiles.get(plan);
  if (!profile) {
    profile = qualityProfile(plan.graph, plan.settings);
    profiles.set(plan, profile);
  }
  return profile;
}

/** How long a chunk waits for an unreachable database before its job fails (and is retried later). */
const DATABASE_PATIENCE_MS = 60_000;

async function whileDatabaseReturns<T>(operation: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await operation();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() - started > DATABASE_PATIENCE_MS) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The job payload: only a pointer; the records live in the `chunks` row written with the job. */
export const RunChunkPayloadSchema = z.object({ chunkId: z.number().int().positive() });
export type RunChunkPayload = z.infer<typeof RunChunkPayloadSchema>;

export interface RunChunkDeps {
  pool: pg.Pool;
  plans: PlanCache;
  stats: StatsCollector;
  logger: Logger;
  /** Opens and seals the record payloads of flows with encryptAtRest. */
  keyring: Keyring;
}

/**
 * Runs one chunk, with the chunks waiting behind it in its lane that it can take along
 * (loadChunks): load them, run them through their version's plan, then commit their outcomes. A
 * crash before the commit replays the whole job (sinks deduplicate on record id); after it, the
 * replay finds no chunk row and does nothing, and the jobs of the chunks taken along are gone.
 */
export function createRunChunkTask(deps: RunChunkDeps): Task {
  return async (rawPayload) => {
    const { chunkId } = RunChunkPayloadSchema.parse(rawPayload);
    const [chunk, ...taken] = await whileDatabaseReturns(() => loadChunks(deps.pool, chunkId));
    if (!chunk) return;
    // Sealed only when the flow encrypts at rest (openJson leaves plain chunks as they are). Chunks
    // taken along are fresh records of the same source, version and run: they run as one.
    const opened = (c: LoadedChunk) => chunkRecordsFrom(openJson(deps.keyring, JSON.parse(c.records)));
    const records = taken.length === 0 ? opened(chunk) : [chunk, ...taken].flatMap(opened);
    const plan = await deps.plans.get(chunk.flowId, chunk.version);
    if (!plan) return; // the flow was deleted with its chunks

    let outcome: ChunkOutcome;
    if (plan.nodes.has(chunk.nodeId)) {
      const profile = profileOf(plan);
      outcome = await executeChunk(plan, chunk.nodeId, records, chunk.attempt, { countInAtEntry: !chunk.continuation, consistencyRules: profile.consistencyRules });
      // Quality is measured once per record, as it enters at its source.
      if (plan.sources.includes(chunk.nodeId) && chunk.attempt === 0 && !chunk.continuation) {
        await whileDatabaseReturns(() => countChunkQuality(deps.pool, chunk.flowId, chunk.nodeId, records, profile, outcome.stats));
      }
    } else {
      // A dead letter retried onto a version that no longer has its node.
      const stats = new ChunkStats();
      const deadLetters: NewDeadLetter[] = records.map((r) => ({
        nodeId: chunk.nodeId,
        recordId: r.id,
        correlationId: r.correlationId,
        receivedAt: r.receivedAt,
        generation: r.generation ?? 0,
        record: r.data,
        error: { kind: 'version', message: `node "${chunk.nodeId}" is not in version ${chunk.version} of the flow` },
        attempts: chunk.attempt + 1,
      }));
      outcome = { deadLetters, retries: [], stats };
    }

    const seal = encryptsAtRest(plan.settings);
    if (seal) {
      for (const dl of outcome.deadLetters) dl.record = { $sealed: deps.keyring.sealToString(JSON.stringify(dl.record ?? null)) };
    }
    const retries: NewChunk[] = outcome.retries.map((r) => ({
      flowId: chunk.flowId,
      version: chunk.version,
      nodeId: r.nodeId,
      attempt: r.attempt,
      recordsJson: seal ? sealJsonText(deps.keyring, chunkRecordsJson(r.records)) : chunkRecordsJson(r.records),
      recordCount: r.records.length,
      retryKey: `${chunk.id}:${r.nodeId}:${r.continuation ? 'rest' : r.attempt}`,
      continuation: r.continuation ?? false,
      runAt: new Date(Date.now() + r.delayMs).toISOString(),
      queue: chunkQueue(chunk.flowId, plan.settings.parallelism),
      runId: chunk.runId,
    }));
    // Outcomes are idempotent to write, so a database that went away is simply waited for.
    const completed = { id: chunk.id, flowId: chunk.flowId, version: chunk.version, taken: taken.map((c) => c.id) };
    const completion = await whileDatabaseReturns(() => completeChunk(deps.pool, completed, outcome.deadLetters, retries, chunk.runId ? runOutcome(chunk.runId, records, outcome) : null));
    if (completion.retry) throw new Error(`chunk ${chunk.id}: a chunk it took along was completed by another job meanwhile; it runs again`);
    if (!completion.completed) return; // another run got there first; its counts stand
    deps.stats.add(chunk.flowId, outcome.stats);
    deps.stats.noteDeadLetters(chunk.flowId, completion.deadLettered, completion.deadLetterSample);
    for (const r of outcome.retries) {
      deps.logger.info({ ...recordLogFields(chunk.flowId, r.nodeId, r.records), chunkId: chunk.id, attempt: r.attempt, delayMs: r.delayMs, continuation: r.continuation ?? false }, 'records scheduled for retry');
    }
    // Dead letters by node, with the kinds of error (their messages stay in the table: they may quote data).
    const byNode = new Map<string, NewDeadLetter[]>();
    for (const dl of outcome.deadLetters) byNode.set(dl.nodeId, [...(byNode.get(dl.nodeId) ?? []), dl]);
    for (const [nodeId, letters] of byNode) {
      const kinds: Record<string, number> = {};
      for (const dl of letters) kinds[dl.error.kind] = (kinds[dl.error.kind] ?? 0) + 1;
      deps.logger.info({ ...recordLogFields(chunk.flowId, nodeId, letters), chunkId: chunk.id, errorKinds: kinds }, 'records dead-lettered');
    }
  };
}

/**
 * What this chunk settles for its run. Records handed on (a retry, a continuation) are settled by
 * the chunk that takes them; of the others, those with a dead letter count as dead-lettered, the
 * rest as delivered (a filter that dropped a record on purpose counts it delivered).
 */
function runOutcome(runId: string, records: EngineRecord[], outcome: ChunkOutcome): RunOutcome {
  const handedOn = new Set<string>();
  for (const r of outcome.retries) for (const record of r.records) handedOn.add(record.id);
  const dead = new Set<string>();
  for (const d of outcome.deadLetters) if (!handedOn.has(d.recordId)) dead.add(d.recordId);
  let delivered = 0;
  for (const record of records) if (!handedOn.has(record.id) && !dead.has(record.id)) delivered += 1;
  return { runId, delivered, deadLettered: dead.size };
}
