// Keeping the table honest after an action without making rows jump: a retried or discarded row
// changes its status where it stands; a refresh (or a filter change) then fetches the truth.
import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { DeadLetter, DeadLetterPage, DeadLetterSelection } from '@sluice/shared';
import { deadLetterKeys } from './dead-letter-query';

export type DeadLetterPages = InfiniteData<DeadLetterPage, string | null>;

/** Applies `change` to every cached row whose id is in `ids`, in every cached list. */
export function updateCachedRows(qc: QueryClient, ids: ReadonlySet<string>, change: (row: DeadLetter) => DeadLetter): void {
  qc.setQueriesData<DeadLetterPages>({ queryKey: deadLetterKeys.lists() }, (data) =>
    data
      ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((row) => (ids.has(row.id) ? change(row) : row)) })) }
      : data,
  );
}

/** After retry or discard succeeds: the pending rows named change status; a flow-wide action refetches. */
export function applyAction(qc: QueryClient, selection: DeadLetterSelection, status: 'retried' | 'discarded'): Promise<void> {
  if ('ids' in selection) {
    const ids = new Set(selection.ids);
    const at = new Date().toISOString();
    updateCachedRows(qc, ids, (row) => (row.status === 'pending' ? { ...row, status, updatedAt: at } : row));
    for (const id of ids) void qc.invalidateQueries({ queryKey: deadLetterKeys.one(id) });
    // Stale, not refetched now: the rows stay where the analyst left them until a refresh.
    return qc.invalidateQueries({ queryKey: deadLetterKeys.lists(), refetchType: 'none' });
  }
  return qc.invalidateQueries({ queryKey: deadLetterKeys.all });
}
