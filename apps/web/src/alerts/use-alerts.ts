import { useQuery } from '@tanstack/react-query';
import type { Alert, AlertList } from '@sluice/shared';
import { api } from '../api/client';

export const alertsKey = ['alerts'] as const;

/**
 * Current alerts (pending, firing, or every state), refreshed every 10 s.
 *
 * @example
 * const { data: alerts } = useAlerts('active');
 */
export function useAlerts(state: 'active' | 'all' = 'active', enabled = true) {
  return useQuery({
    queryKey: [...alertsKey, state],
    queryFn: async (): Promise<Alert[]> => (await api.get<AlertList>(`/api/alerts?state=${state}`)).items,
    refetchInterval: 10_000,
    enabled,
  });
}
