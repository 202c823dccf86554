import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { tokensKey } from './use-tokens';

/**
 * Revokes one API token by id: every request that carries it is refused (401) from then on.
 *
 * @example
 * const revoke = useRevokeToken();
 * revoke.mutate(token.id, { onSuccess: close });
 */
export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/api/tokens/${encodeURIComponent(id)}`),
    onSettled: () => qc.invalidateQueries({ queryKey: tokensKey }),
  });
}
