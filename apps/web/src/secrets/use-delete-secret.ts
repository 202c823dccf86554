import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { secretsKey } from './use-secrets';

/**
 * Deletes a secret. Deploying a flow that still references it is then refused, naming the node.
 *
 * @example
 * const remove = useDeleteSecret();
 * remove.mutate('crm-token', { onSuccess: close });
 */
export function useDeleteSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.delete<void>(`/api/secrets/${encodeURIComponent(name)}`),
    onSettled: () => qc.invalidateQueries({ queryKey: secretsKey }),
  });
}
