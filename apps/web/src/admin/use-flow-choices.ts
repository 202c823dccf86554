import { useQuery } from '@tanstack/react-query';
import type { FlowSummary } from '@sluice/shared';
import { api } from '../api/client';
import { flowKeys } from '../flows/use-flows';

export interface FlowChoice {
  id: string;
  name: string;
}

// At module scope so react-query keeps the result between renders.
const toChoices = (flows: FlowSummary[]): FlowChoice[] =>
  flows.map((f) => ({ id: f.id, name: f.name })).sort((a, b) => a.name.localeCompare(b.name));

/**
 * The flows to pick from when granting a producer (token or user) its flows, by name. Shares the
 * flows list's cache but not its 5 s refresh; pass `false` when the user may not read flows, so that
 * nothing is asked (the server would answer 403).
 *
 * @example
 * const { data: flows = [] } = useFlowChoices(can(session, 'flows:read'));
 * flows.map((f) => <option key={f.id} value={f.id}>{f.name}</option>);
 */
export function useFlowChoices(enabled: boolean) {
  // staleTime 0: a picker opened right after someone adds a flow must offer it (the cache shows meanwhile).
  return useQuery({ queryKey: flowKeys.all, queryFn: () => api.get<FlowSummary[]>('/api/flows'), enabled, select: toChoices, staleTime: 0 });
}
