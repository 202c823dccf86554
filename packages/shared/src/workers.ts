import { z } from 'zod';

/** A job a worker process is running now. */
export const RunningJobSchema = z.object({
  id: z.string(),
  /** The graphile-worker task: run_chunk, send_alert. */
  task: z.string(),
  /** For chunk jobs: the flow (from the job's queue lane). */
  flowId: z.string().nullable(),
  flowName: z.string().nullable(),
  attempts: z.number().int(),
  lockedAt: z.string(),
  runningSeconds: z.number(),
});
export type RunningJob = z.infer<typeof RunningJobSchema>;

/** A worker process, as its heartbeat row says. */
export const WorkerProcessSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  heartbeatAgeSeconds: z.number(),
  /** Heartbeat fresh enough: a silent process is treated as dead and its jobs released. */
  alive: z.boolean(),
  jobs: z.array(RunningJobSchema),
});
export type WorkerProcess = z.infer<typeof WorkerProcessSchema>;

export const WorkerListSchema = z.object({
  items: z.array(WorkerProcessSchema),
  /** Jobs waiting to run, whatever their lane. */
  queuedJobs: z.number().int(),
});
export type WorkerList = z.infer<typeof WorkerListSchema>;
