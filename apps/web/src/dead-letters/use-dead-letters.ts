import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { DeadLetterPage } from '@sluice/shared';
import { api } from '../api/client';
import { deadLetterKeys, deadLetterListPath, type DeadLetterFilters } from './dead-letter-query';

/**
 * Dead letters matching `filters`, newest first, a page at a time. The API's cursor is the last id
 * seen, so pages stay put while new dead letters arrive; `fetchNextPage()` appends the next page and
 * `hasNextPage` is false once the server gives no cursor. While a new filter loads, the previous rows
 * stay on screen (`isPlaceholderData`).
 *
 * @example
 * const deadLetters = useDeadLetters({ flowId, status: 'pending', nodeId: null, q: '' });
 * const rows = deadLetters.data ?? [];
 * {deadLetters.hasNextPage && <button onClick={() => deadLetters.fetchNextPage()}>Load more</button>}
 */
export function useDeadLetters(filters: DeadLetterFilters) {
  return useInfiniteQuery({
    queryKey: deadLetterKeys.list(filters),
    queryFn: ({ pageParam }) => api.get<DeadLetterPage>(deadLetterListPath(filters, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => data.pages.flatMap((page) => page.items),
    placeholderData: keepPreviousData,
  });
}
