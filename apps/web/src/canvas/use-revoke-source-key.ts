import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { sourceKeysKey, sourceKeysPath } from './use-source-keys';

/**
 * Revokes one API key of a webhook source: requests that send it are refused (401) from then on.
 *
 * @example
 * const revoke = useRevokeSourceKey(flowId, 'in');
 * revoke.mutate(key.id);
 */
export function useRevokeSourceKey(flowId: string, nodeId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`${sourceKeysPath(flowId, nodeId)}/${encodeURIComponent(id)}`),
    onSettled: () => qc.invalidateQueries({ queryKey: sourceKeysKey(flowId, nodeId) }),
  });
}
