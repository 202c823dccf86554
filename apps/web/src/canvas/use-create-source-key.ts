import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreatedSourceApiKey } from '@sluice/shared';
import { api } from '../api/client';
import { sourceKeysKey, sourceKeysPath } from './use-source-keys';

/**
 * Creates a named API key for a webhook source; the answer holds the key, the only time it is shown.
 *
 * @example
 * const create = useCreateSourceKey(flowId, 'in');
 * create.mutate('crm-prod', { onSuccess: (created) => show(created.key) });
 */
export function useCreateSourceKey(flowId: string, nodeId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.post<CreatedSourceApiKey>(sourceKeysPath(flowId, nodeId), { name }),
    onSettled: () => qc.invalidateQueries({ queryKey: sourceKeysKey(flowId, nodeId) }),
  });
}
