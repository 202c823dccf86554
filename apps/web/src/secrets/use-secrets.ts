import { useQuery } from '@tanstack/react-query';
import type { SecretSummary } from '@sluice/shared';
import { api } from '../api/client';

export const secretsKey = ['secrets'] as const;

/**
 * The vault's secrets by name: set or not, when and by whom. Never their values: the API is write-only.
 *
 * @example
 * const { data: secrets = [] } = useSecrets();
 */
export function useSecrets() {
  return useQuery({ queryKey: secretsKey, queryFn: () => api.get<SecretSummary[]>('/api/secrets') });
}
