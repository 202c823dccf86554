import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Flow } from '@sluice/shared';
import { api } from '../api/client';
import { fetchFreshFlow } from './fetch-flow';
import { flowToBody } from './flow-file';
import { flowKeys } from './use-flows';

/**
 * Renames a flow: reads the saved flow and PUTs it back with the new name, graph untouched.
 *
 * @example
 * const rename = useRenameFlow();
 * rename.mutate({ id: flow.id, name: 'orders EU' }, { onSuccess: close });
 */
export function useRenameFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, name }: { id: string; name: string }) => {
      const flow = await fetchFreshFlow(qc, id);
      return api.put<Flow>(`/api/flows/${id}`, { ...flowToBody(flow), name });
    },
    onSuccess: (flow) => {
      qc.setQueryData(flowKeys.one(flow.id), flow);
      void qc.invalidateQueries({ queryKey: flowKeys.all, exact: true });
    },
  });
}
