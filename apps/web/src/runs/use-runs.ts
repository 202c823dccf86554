import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Run, RunPage } from '@sluice/shared';
import { api, apiRequest } from '../api/client';

export const runKeys = {
  flow: (flowId: string) => ['runs', flowId] as const,
};

/**
 * A flow's last 100 runs, newest first, and the deployed flow's sources that run; refreshed every
 * 2 s while a run is going, else every 15 s.
 *
 * @example
 * const { data } = useRuns(flowId);
 * data?.items.filter((r) => r.status === 'incomplete');
 */
export function useRuns(flowId: string) {
  return useQuery({
    queryKey: runKeys.flow(flowId),
    queryFn: () => api.get<RunPage>(`/api/flows/${flowId}/runs?limit=100`),
    refetchInterval: (query) => ((query.state.data?.items ?? []).some((r) => r.status === 'running') ? 2_000 : 15_000),
  });
}

/**
 * Starts a run of a pull source by hand (`nodeId` when the flow has several).
 *
 * @example
 * const start = useStartRun(flowId);
 * start.mutate({ nodeId: 'orders' });
 */
export function useStartRun(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { nodeId?: string }) => api.post<Run>(`/api/flows/${flowId}/runs`, body),
    onSettled: () => qc.invalidateQueries({ queryKey: runKeys.flow(flowId) }),
  });
}

/**
 * Fetches an incomplete run's missing keys again (the same run goes back to running).
 *
 * @example
 * useRetryMissing(flowId).mutate(run.id);
 */
export function useRetryMissing(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => api.post<Run>(`/api/flows/${flowId}/runs/${runId}/retry-missing`),
    onSettled: () => qc.invalidateQueries({ queryKey: runKeys.flow(flowId) }),
  });
}

/**
 * Uploads a file to the flow's file source: sent as the raw body (never read into memory here), it
 * becomes a run. Resolves once the server has taken every line in.
 *
 * @example
 * useUploadFile(flowId).mutate({ file, nodeId: 'csv' });
 */
export function useUploadFile(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, nodeId }: { file: File; nodeId?: string }) =>
      apiRequest<Run>('POST', `/api/flows/${flowId}/files${nodeId ? `?source=${encodeURIComponent(nodeId)}` : ''}`, file, {
        headers: { 'content-type': file.type || 'application/octet-stream' },
      }),
    onSettled: () => qc.invalidateQueries({ queryKey: runKeys.flow(flowId) }),
  });
}
