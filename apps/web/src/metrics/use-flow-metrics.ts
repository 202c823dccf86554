import { useQuery } from '@tanstack/react-query';
import type { FlowMetrics } from '@sluice/shared';
import { api } from '../api/client';

export const metricsKeys = {
  flow: (flowId: string, minutes: number) => ['metrics', flowId, minutes] as const,
};

/** How often the charts ask for new points while all is well. */
const REFRESH_MS = 2_000;
/** Slower after an error, so a missing server is not hammered (the app banner already says so). */
const REFRESH_AFTER_ERROR_MS = 10_000;

/**
 * A flow's time series over the last `minutes` (default 15), refreshed every 2 s. The server keeps
 * the series in Postgres, so a reload shows the history, not an empty chart.
 *
 * @example
 * const metrics = useFlowMetrics(flowId);
 * const columns = metrics.data ? toColumns(metrics.data.points) : null;
 */
export function useFlowMetrics(flowId: string, minutes = 15) {
  return useQuery({
    queryKey: metricsKeys.flow(flowId, minutes),
    queryFn: () => api.get<FlowMetrics>(`/api/flows/${encodeURIComponent(flowId)}/metrics?minutes=${minutes}`),
    enabled: flowId !== '',
    refetchInterval: (query) => (query.state.status === 'error' ? REFRESH_AFTER_ERROR_MS : REFRESH_MS),
    staleTime: 0,
  });
}
