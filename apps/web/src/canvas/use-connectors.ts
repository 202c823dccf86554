import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ConnectorStatus, FlowConnectors } from '@sluice/shared';
import { api } from '../api/client';

/** How often connector states are asked for while the flow is live. */
const REFRESH_MS = 3_000;
const REFRESH_AFTER_ERROR_MS = 10_000;
const NONE: ReadonlyMap<string, ConnectorStatus> = new Map();

/**
 * The connection state of the flow's broker sources (connected, reconnecting, error…), by node id,
 * refreshed every 3 s while `enabled` (the flow has been deployed). Empty for flows without any.
 *
 * @example
 * const connectors = useConnectors(flow.id, showLive);
 * connectors.get('orders-queue')?.state; // 'connected'
 */
export function useConnectors(flowId: string, enabled: boolean): ReadonlyMap<string, ConnectorStatus> {
  const query = useQuery({
    queryKey: ['connectors', flowId] as const,
    queryFn: () => api.get<FlowConnectors>(`/api/flows/${encodeURIComponent(flowId)}/connectors`),
    enabled: enabled && flowId !== '',
    refetchInterval: (q) => (q.state.status === 'error' ? REFRESH_AFTER_ERROR_MS : REFRESH_MS),
    staleTime: 0,
  });
  const connectors = query.data?.connectors;
  return useMemo(() => (connectors && enabled ? new Map(connectors.map((c) => [c.nodeId, c])) : NONE), [connectors, enabled]);
}
