import type { EngineRecord, RecordError } from '@sluice/shared';
import { retryDelayMs, type SinkOutcome } from '@sluice/nodes';
import type { Plan, PlanNode } from '../compiler/compile.js';
import type { NewDeadLetter } from '../storage/sql/index.js';
import { ChunkStats } from './stats-collector.js';

export interface RetryGroup {
  nodeId: string;
  /** Attempts made at this node so far, this one included. */
  attempt: number;
  delayMs: number;
  records: EngineRecord[];
  /**
   * True for records a sink did not get to within its time slice: they were never tried, so they
   * go on at the same attempt, at once, and are not counted in again.
   */
  continuation?: boolean;
}

export interface ChunkOutcome {
  deadLetters: NewDeadLetter[];
  retries: RetryGroup[];
  stats: ChunkStats;
}

export interface ExecuteOptions {
  /** False for dry runs: sinks are not called and count their input as delivered. Default true. */
  deliver?: boolean;
  /**
   * How long a sink may keep delivering in one job before the rest of its records are handed back
   * as a continuation chunk, so that a slow sink cannot hold worker slots that other flows need.
   * Default 1000 ms.
   */
  sinkTimeSliceMs?: number;
  /** Records handed to a sink per call within a slice. Default: the sink's round size, else 64. */
  sinkSliceRecords?: number;
  /** False when the chunk continues an earlier one at its entry node: its records were counted in there. Default true. */
  countInAtEntry?: boolean;
  /** Rule names that are consistency rules: a record breaking any counts once as `q:inconsistent` at its validator. Default none. */
  consistencyRules?: ReadonlySet<string>;
  /** Sees every node's input and output, for dry runs. */
  observe?: (nodeId: string, input: EngineRecord[], outputs: Record<string, EngineRecord[]>, failures: NewDeadLetter[]) => void;
}

/**
 * Runs records through a compiled plan, starting at `entryNodeId`: pure nodes in memory in
 * topological order, then every sink at once. Returns what to persist; writes nothing itself.
 * `attempt` is how many times these records were already tried at the entry node.
 */
export async function executeChunk(
  plan: Plan,
  entryNodeId: string,
  records: EngineRecord[],
  attempt: number,
  options: ExecuteOptions = {},
): Promise<ChunkOutcome> {
  const stats = new ChunkStats();
  const deadLetters: NewDeadLetter[] = [];
  const retries: RetryGroup[] = [];
  const inbox = new Map<string, EngineRecord[]>([[entryNodeId, records]]);
  const sinkWork: { node: PlanNode; records: EngineRecord[]; attempt: number }[] = [];
  const attemptAt = (nodeId: string) => (nodeId === entryNodeId ? attempt : 0);

  const deadLetter = (node: PlanNode, record: EngineRecord, error: RecordError, attempts: number): NewDeadLetter => {
    const dl: NewDeadLetter = {
      nodeId: node.id,
      recordId: record.id,
      correlationId: record.correlationId,
      receivedAt: record.receivedAt,
      generation: record.generation ?? 0,
      record: record.data,
      error,
      attempts,
    };
    deadLetters.push(dl);
    stats.node(node.id).deadLettered += 1;
    return dl;
  };

  for (const nodeId of plan.order) {
    const input = inbox.get(nodeId);
    if (!input || input.length === 0) continue;
    inbox.delete(nodeId);
    const node = plan.nodes.get(nodeId)!;
    const counters = stats.node(nodeId);
    // A transient retry or a continuation re-enters the same node; count records in once, on arrival.
    if (attemptAt(nodeId) === 0 && (nodeId !== entryNodeId || options.countInAtEntry !== false)) counters.in += input.length;

    if (node.runtime.kind === 'sink') {
      sinkWork.push({ node, records: input, attempt: attemptAt(nodeId) });
      continue;
    }
    stats.latency(nodeId, input.map((r) => r.receivedAt));
    let outputs: Record<string, EngineRecord[]>;
    const failed: NewDeadLetter[] = [];
    let reasons: Map<string, RecordError> | undefined;
    if (node.runtime.kind === 'source') {
      outputs = { out: input };
    } else {
      try {
        const result = await node.runtime.process(input, { attempt: attemptAt(nodeId) });
        outputs = result.outputs;
        reasons = result.reasons;
        for (const f of result.failures) {
          counters.errors += 1;
          stats.count(nodeId, `class:${errorClass(f.error)}`);
          failed.push(deadLetter(node, f.record, f.error, 1));
        }
      } catch (err) {
        // A node bug must not lose the chunk's records: each becomes a dead letter at this node.
        outputs = {};
        for (const record of input) {
          counters.errors += 1;
          stats.count(nodeId, 'class:invalid');
          failed.push(deadLetter(node, record, { kind: 'transform', message: `node failed: ${(err as Error).message}` }, 1));
        }
      }
      // Validation failures by rule (rule names come from the node's config; a schema is one rule).
      if (node.type.kind === 'validate') {
        for (const record of outputs.invalid ?? []) {
          const failures = reasons?.get(record.id)?.failures;
          const rules = new Set((failures ?? []).map((f) => f.rule ?? 'schema'));
          if (rules.size === 0) rules.add('schema');
          for (const rule of rules) stats.count(nodeId, `rule:${rule}`);
          if (options.consistencyRules && [...rules].some((r) => options.consistencyRules!.has(r))) stats.count(nodeId, 'q:inconsistent');
        }
      }
    }
    for (const [port, sent] of Object.entries(outputs)) {
      if (sent.length === 0) continue;
      const targets = node.edges.get(port);
      if (targets) {
        stats.out(nodeId, port, sent.length);
        for (const target of targets) {
          const queued = inbox.get(target);
          if (queued) queued.push(...sent);
          else inbox.set(target, [...sent]);
        }
      } else if (node.deadLetterPorts.has(port)) {
        for (const record of sent) {
          const error = reasons?.get(record.id) ?? { kind: 'invalid' as const, message: `sent to the unwired "${port}" output` };
          failed.push(deadLetter(node, record, error, 1));
        }
      } else {
        // Nothing listens on this port (a filter's unwired `else`): the records end here, counted.
        stats.out(nodeId, port, sent.length);
      }
    }
    options.observe?.(nodeId, input, outputs, failed);
  }

  await Promise.all(
    sinkWork.map(async ({ node, records: batch, attempt: tried }) => {
      if (node.runtime.kind !== 'sink') return;
      const counters = stats.node(node.id);
      if (options.deliver === false) {
        stats.out(node.id, 'delivered', batch.length);
        options.observe?.(node.id, batch, { delivered: batch }, []);
        return;
      }
      const runtime = node.runtime;
      const policy = runtime.retry;
      const sliceMs = options.sinkTimeSliceMs ?? 1000;
      // Whole sink batches per slice: a batch (and its idempotency key) is then the same set of
      // records however the chunk is sliced.
      const batchSize = Math.max(1, runtime.batchSize ?? 1);
      const sliceRecords = Math.ceil((options.sinkSliceRecords ?? runtime.roundSize ?? 64) / batchSize) * batchSize;
      const started = Date.now();
      const retry: RetryGroup = { nodeId: node.id, attempt: tried + 1, delayMs: 0, records: [] };
      const delivered: string[] = [];
      // Deliver slice by slice; once the time slice is spent, the rest continues in a new job
      // (same attempt, no delay), freeing this worker slot for other flows.
      for (let from = 0; from < batch.length; from += sliceRecords) {
        if (from > 0 && Date.now() - started > sliceMs) {
          retries.push({ nodeId: node.id, attempt: tried, delayMs: 0, records: batch.slice(from), continuation: true });
          break;
        }
        const slice = batch.slice(from, from + sliceRecords);
        let outcomes: SinkOutcome[];
        try {
          outcomes = await runtime.deliver(slice, { attempt: tried });
        } catch (err) {
          outcomes = slice.map((): SinkOutcome => ({ status: 'transient', error: { kind: 'exhausted', message: `sink failed: ${(err as Error).message}` } }));
        }
        slice.forEach((record, i) => {
          const outcome: SinkOutcome = outcomes[i] ?? { status: 'transient', error: { kind: 'exhausted', message: 'the sink gave no outcome for this record' } };
          if (outcome.status === 'delivered') {
            delivered.push(record.receivedAt);
            return;
          }
          counters.errors += 1;
          stats.count(node.id, `class:${errorClass(outcome.error)}`);
          if (outcome.status === 'permanent') {
            deadLetter(node, record, outcome.error, tried + 1);
          } else if (tried + 1 >= policy.maxAttempts) {
            deadLetter(node, record, { ...outcome.error, kind: 'exhausted', message: `gave up after ${tried + 1} attempts: ${outcome.error.message}` }, tried + 1);
          } else {
            retry.records.push(record);
            stats.count(node.id, 'retries');
            retry.delayMs = Math.max(retry.delayMs, retryDelayMs(policy, tried + 1, outcome.retryAfterMs));
          }
        });
      }
      if (delivered.length > 0) {
        stats.out(node.id, 'delivered', delivered.length);
        stats.latency(node.id, delivered);
      }
      if (retry.records.length > 0) retries.push(retry);
    }),
  );

  return { deadLetters, retries, stats };
}

/**
 * The `class` label of a processing error: the HTTP status class when there was a response, else
 * timeout or connection when the sink said so, `invalid` for records a node could not process, or
 * `other`.
 */
export function errorClass(error: RecordError): '4xx' | '5xx' | 'timeout' | 'connection' | 'invalid' | 'other' {
  if (error.status !== undefined && error.status >= 400 && error.status < 600) return error.status < 500 ? '4xx' : '5xx';
  if (error.cause) return error.cause;
  if (error.kind === 'invalid' || error.kind === 'transform' || error.kind === 'version') return 'invalid';
  return 'other';
}
