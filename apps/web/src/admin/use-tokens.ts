import { useQuery } from '@tanstack/react-query';
import type { ApiToken } from '@sluice/shared';
import { api } from '../api/client';

export const tokensKey = ['tokens'] as const;

/**
 * The signed-in user's API tokens, newest first, revoked ones included. Never holds a token's
 * secret: the server shows that once, in the answer to its creation.
 *
 * @example
 * const { data: tokens = [] } = useTokens();
 * const active = tokens.filter((t) => t.revokedAt === null);
 */
export function useTokens() {
  return useQuery({ queryKey: tokensKey, queryFn: () => api.get<ApiToken[]>('/api/tokens') });
}
