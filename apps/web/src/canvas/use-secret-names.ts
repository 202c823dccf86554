import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { can, useSession } from '../auth';

/**
 * The names of the vault's secrets (never values), offered where a node setting takes a secret.
 * Only for those who may edit flows; empty for everyone else.
 *
 * @example
 * const secretNames = useSecretNames();
 * <SchemaForm … secretNames={secretNames} />
 */
export function useSecretNames(): readonly string[] {
  const { data: session } = useSession();
  const query = useQuery({
    queryKey: ['secrets', 'names'],
    queryFn: () => api.get<string[]>('/api/secrets/names'),
    enabled: can(session, 'flows:write'),
    staleTime: 30_000,
  });
  return query.data ?? NONE;
}

const NONE: readonly string[] = [];
