import { useQuery } from '@tanstack/react-query';
import type { DeadLetter } from '@sluice/shared';
import { api } from '../api/client';
import { deadLetterKeys } from './dead-letter-query';

/**
 * One dead letter with its record and error, for the drawer; `null` asks for nothing.
 *
 * @example
 * const { data: deadLetter } = useDeadLetter(openId);
 * deadLetter?.error.failures?.map((f) => f.message);
 */
export function useDeadLetter(id: string | null) {
  return useQuery({
    queryKey: deadLetterKeys.one(id ?? ''),
    queryFn: () => api.get<DeadLetter>(`/api/dead-letters/${encodeURIComponent(id ?? '')}`),
    enabled: id !== null,
    staleTime: 0,
  });
}
