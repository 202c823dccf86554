import { z } from 'zod';
import { FlowStatsSchema } from './stats.js';
import { DeadLetterSchema } from './dead-letter.js';

/** socket.io events, both directions; every received message is parsed with these. */
export const SubscribeSchema = z.object({ flowId: z.string().uuid() });
export type Subscribe = z.infer<typeof SubscribeSchema>;

export const DeadLetterEventSchema = z.object({
  flowId: z.string().uuid(),
  count: z.number().int(),
  sample: z.array(DeadLetterSchema.pick({ id: true, nodeId: true, recordId: true, error: true })),
});
export type DeadLetterEvent = z.infer<typeof DeadLetterEventSchema>;

export interface ServerToClientEvents {
  stats: (stats: z.infer<typeof FlowStatsSchema>) => void;
  deadLetter: (event: DeadLetterEvent) => void;
  error: (error: { message: string }) => void;
}
export interface ClientToServerEvents {
  subscribe: (body: Subscribe, ack?: (res: { ok: boolean; error?: string }) => void) => void;
  unsubscribe: (body: Subscribe) => void;
}
