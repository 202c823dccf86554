import { useInfiniteQuery } from '@tanstack/react-query';
import type { AlertHistoryPage } from '@sluice/shared';
import { api } from '../api/client';
import { alertsKey } from './use-alerts';

/**
 * Alert state changes, newest first, a page at a time (`fetchNextPage` follows the cursor).
 *
 * @example
 * const history = useAlertHistory();
 * history.data?.pages.flatMap((p) => p.items);
 */
export function useAlertHistory() {
  return useInfiniteQuery({
    queryKey: [...alertsKey, 'history'],
    queryFn: ({ pageParam }) => api.get<AlertHistoryPage>(`/api/alerts/history?limit=50${pageParam ? `&cursor=${pageParam}` : ''}`),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 15_000,
  });
}
