import { z } from 'zod';

export const MetricsQuerySchema = z.object({
  /** Minutes of history, up to 24 h. Default 15. */
  minutes: z.coerce.number().int().min(1).max(1440).default(15),
  /** Seconds per point. Default: enough for about 180 points. */
  step: z.coerce.number().int().min(1).max(3600).optional(),
});
export type MetricsQuery = z.infer<typeof MetricsQuerySchema>;

/** One point of a flow's time series; null where there was nothing to measure. */
export const MetricsPointSchema = z.object({
  /** Start of the step, epoch ms. */
  t: z.number(),
  /** Records into the flow's sources per second. */
  recordsPerSecond: z.number(),
  /** Deliveries per second, all sinks together (a record sent to two sinks counts twice). */
  deliveredPerSecond: z.number(),
  /** Receive-to-delivery latency at the sinks, ms. */
  latencyP50: z.number().nullable(),
  latencyP95: z.number().nullable(),
  latencyP99: z.number().nullable(),
  /** Records dead-lettered (at any node) over records in at the sources. */
  errorRate: z.number().nullable(),
  /** Share of records the validators passed. */
  validationPassRate: z.number().nullable(),
});
export type MetricsPoint = z.infer<typeof MetricsPointSchema>;

export const FlowMetricsSchema = z.object({
  flowId: z.string().uuid(),
  stepSeconds: z.number().int(),
  from: z.number(),
  to: z.number(),
  points: z.array(MetricsPointSchema),
});
export type FlowMetrics = z.infer<typeof FlowMetricsSchema>;
