import { z } from 'zod';

/**
 * How a consuming source (a broker source) is doing. connecting / connected / reconnecting / error
 * come from the worker process that holds it (error: connecting failed several times in a row; it
 * keeps trying); waiting: the flow is deployed but no live worker holds it yet; stopped: the flow
 * is not deployed.
 */
export const ConnectorStateSchema = z.enum(['connecting', 'connected', 'reconnecting', 'error', 'waiting', 'stopped']);
export type ConnectorState = z.infer<typeof ConnectorStateSchema>;

export const ConnectorStatusSchema = z.object({
  nodeId: z.string(),
  /** The node type, e.g. source.amqp. */
  type: z.string(),
  state: ConnectorStateSchema,
  /** The last connection error, or why it is waiting. */
  message: z.string().nullable(),
  /** The worker process consuming (host:pid:tag), while one holds it. */
  worker: z.string().nullable(),
  /** Since when it has been in this state. */
  since: z.string().nullable(),
});
export type ConnectorStatus = z.infer<typeof ConnectorStatusSchema>;

export const FlowConnectorsSchema = z.object({
  flowId: z.string().uuid(),
  connectors: z.array(ConnectorStatusSchema),
});
export type FlowConnectors = z.infer<typeof FlowConnectorsSchema>;
