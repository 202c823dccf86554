import { useQuery } from '@tanstack/react-query';
import type { WorkerList } from '@sluice/shared';
import { api } from '../api/client';

/**
 * Worker processes with their heartbeats and running jobs, refreshed every 3 s.
 *
 * @example
 * const { data } = useWorkers();
 * data?.items.filter((w) => w.alive).length;
 */
export function useWorkers() {
  return useQuery({
    queryKey: ['workers'],
    queryFn: () => api.get<WorkerList>('/api/workers'),
    refetchInterval: 3_000,
    staleTime: 0,
  });
}
