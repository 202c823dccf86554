import type { QueryClient } from '@tanstack/react-query';
import type { Flow } from '@sluice/shared';
import { api } from '../api/client';
import { flowKeys } from './use-flows';

/**
 * The flow as the server has it now (rename, duplicate and export act on the saved graph, never on a
 * cached copy), stored in the cache that `useFlow(id)` reads.
 */
export function fetchFreshFlow(qc: QueryClient, id: string): Promise<Flow> {
  return qc.fetchQuery({ queryKey: flowKeys.one(id), queryFn: () => api.get<Flow>(`/api/flows/${id}`), staleTime: 0 });
}
