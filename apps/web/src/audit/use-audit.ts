import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { AuditPage } from '@sluice/shared';
import { api } from '../api/client';
import { auditKeys, auditListPath, type AuditFilters } from './audit-query';

/**
 * Audit entries matching `filters`, newest first, a page at a time (the cursor is the last id
 * seen, so pages stay put while new entries arrive). The previous rows stay while a filter loads.
 *
 * @example
 * const audit = useAudit({ ...NO_FILTERS, outcome: 'failure' });
 * const rows = audit.data ?? [];
 * {audit.hasNextPage && <button onClick={() => audit.fetchNextPage()}>Load more</button>}
 */
export function useAudit(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: auditKeys.list(filters),
    queryFn: ({ pageParam }) => api.get<AuditPage>(auditListPath(filters, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    select: (data) => data.pages.flatMap((page) => page.items),
    placeholderData: keepPreviousData,
  });
}
