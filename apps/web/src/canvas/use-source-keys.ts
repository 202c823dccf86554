import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreatedSourceApiKey, SourceApiKey } from '@sluice/shared';
import { api } from '../api/client';

const keysPath = (flowId: string, nodeId: string) => `/api/flows/${encodeURIComponent(flowId)}/sources/${encodeURIComponent(nodeId)}/keys`;
export const sourceKeysKey = (flowId: string, nodeId: string) => ['source-keys', flowId, nodeId] as const;

/**
 * The API keys of one webhook source (never the keys themselves), and mutations to create one
 * (the answer holds the key, shown once) and to revoke one.
 *
 * @example
 * const { keys, create, revoke } = useSourceKeys(flowId, 'in');
 * create.mutate('crm', { onSuccess: (k) => show(k.key) });
 */
export function useSourceKeys(flowId: string, nodeId: string) {
  const qc = useQueryClient();
  const key = sourceKeysKey(flowId, nodeId);
  const keys = useQuery({ queryKey: key, queryFn: () => api.get<SourceApiKey[]>(keysPath(flowId, nodeId)) });
  const create = useMutation({
    mutationFn: (name: string) => api.post<CreatedSourceApiKey>(keysPath(flowId, nodeId), { name }),
    onSettled: () => qc.invalidateQueries({ queryKey: key }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete<void>(`${keysPath(flowId, nodeId)}/${encodeURIComponent(id)}`),
    onSettled: () => qc.invalidateQueries({ queryKey: key }),
  });
  return { keys, create, revoke };
}
