import { z } from 'zod';

export const LatencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type Latency = z.infer<typeof LatencySchema>;

/** One node's figures since the flow was created. Counters may over-count after a worker crash. */
export const NodeStatsSchema = z.object({
  nodeId: z.string(),
  in: z.number(),
  out: z.record(z.string(), z.number()),
  errors: z.number(),
  deadLettered: z.number(),
  queued: z.number(),
  latencyMs: LatencySchema,
});
export type NodeStats = z.infer<typeof NodeStatsSchema>;

export const FlowStatsSchema = z.object({
  flowId: z.string().uuid(),
  nodes: z.array(NodeStatsSchema),
  totals: z.object({
    ingested: z.number(),
    delivered: z.number(),
    deadLettered: z.number(),
    /** Dead letters still pending, from the table (exact). */
    pendingDeadLetters: z.number(),
    queued: z.number(),
    errors: z.number(),
    /** Records per second into the flow over the last 10 s. */
    recordsPerSecond: z.number(),
  }),
  at: z.string(),
});
export type FlowStats = z.infer<typeof FlowStatsSchema>;

/** Latency histogram bucket upper bounds in ms; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000] as const;
