import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Flow } from '@sluice/shared';
import { api } from '../api/client';
import { fetchFreshFlow } from './fetch-flow';
import { copyName, flowToBody } from './flow-file';
import { flowKeys } from './use-flows';

/**
 * Copies a flow's saved graph and settings into a new draft flow named "<name> (copy)".
 *
 * @example
 * const duplicate = useDuplicateFlow();
 * duplicate.mutate(flow.id, { onSuccess: (copy) => navigate(`/flows/${copy.id}`) });
 */
export function useDuplicateFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const flow = await fetchFreshFlow(qc, id);
      return api.post<Flow>('/api/flows', { ...flowToBody(flow), name: copyName(flow.name) });
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: flowKeys.all, exact: true }),
  });
}
