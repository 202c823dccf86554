import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreateFlowBody, DeployResult, Flow, FlowSummary, ValidationResult } from '@sluice/shared';
import { api } from '../api/client';

export const flowKeys = {
  all: ['flows'] as const,
  one: (id: string) => ['flows', id] as const,
};

/** Every flow, with its status and last minute's figures; refreshed every 5 s. */
export function useFlows() {
  return useQuery({ queryKey: flowKeys.all, queryFn: () => api.get<FlowSummary[]>('/api/flows'), refetchInterval: 5_000 });
}

/** One flow with its draft graph. */
export function useFlow(id: string) {
  return useQuery({ queryKey: flowKeys.one(id), queryFn: () => api.get<Flow>(`/api/flows/${id}`) });
}

export function useCreateFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateFlowBody) => api.post<Flow>('/api/flows', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: flowKeys.all }),
  });
}

export function useSaveFlow(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateFlowBody) => api.put<Flow>(`/api/flows/${id}`, body),
    onSuccess: (flow) => {
      qc.setQueryData(flowKeys.one(id), flow);
      void qc.invalidateQueries({ queryKey: flowKeys.all });
    },
  });
}

export function useDeleteFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/flows/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: flowKeys.all }),
  });
}

export function useDeployFlow(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<DeployResult>(`/api/flows/${id}/deploy`),
    onSettled: () => qc.invalidateQueries({ queryKey: flowKeys.all }),
  });
}

export function useStopFlow(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Flow>(`/api/flows/${id}/stop`),
    onSettled: () => qc.invalidateQueries({ queryKey: flowKeys.all }),
  });
}

/** Checks a graph (saved or not) against the compiler; the editor calls it as the analyst types. */
export function validateGraph(id: string, graph: CreateFlowBody) {
  const { settings: _settings, ...rest } = graph;
  return api.post<ValidationResult>(`/api/flows/${id}/validate`, { graph: rest });
}
