import { useQuery } from '@tanstack/react-query';
import type { FlowQuality } from '@sluice/shared';
import { api } from '../api/client';

/**
 * A flow's data quality over 5 min, 1 h and 24 h with its targets, refreshed every 5 s.
 *
 * @example
 * const quality = useFlowQuality(flowId);
 * quality.data?.windows[0]?.completeness;
 */
export function useFlowQuality(flowId: string) {
  return useQuery({
    queryKey: ['quality', flowId],
    queryFn: () => api.get<FlowQuality>(`/api/flows/${encodeURIComponent(flowId)}/quality`),
    enabled: flowId !== '',
    refetchInterval: (query) => (query.state.status === 'error' ? 15_000 : 5_000),
    staleTime: 0,
  });
}
