import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiToken, CreateTokenBody } from '@sluice/shared';
import { api } from '../api/client';
import { tokensKey } from './use-tokens';

/** What `POST /api/tokens` answers: the new token's details and, this one time, its secret. */
export type CreatedToken = ApiToken & { token: string };

/**
 * Creates an API token for the signed-in user. The secret lives only in this mutation's result (the
 * dialog that shows it); the cached list is refetched and never sees it.
 *
 * @example
 * const create = useCreateToken();
 * create.mutate({ name: 'nightly export', role: 'data_consumer' }, { onSuccess: (created) => show(created.token) });
 */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTokenBody) => api.post<CreatedToken>('/api/tokens', body),
    // Drop the finished mutation (and the secret in its result) as soon as the dialog unmounts.
    gcTime: 0,
    onSuccess: () => qc.invalidateQueries({ queryKey: tokensKey }),
  });
}
