// Which dead letters the table shows: the filters (kept in the page's URL), the API path they make,
// and the react-query keys every dead-letter hook shares.
import type { DeadLetterStatus } from '@sluice/shared';

export type StatusFilter = DeadLetterStatus | 'all';

export interface DeadLetterFilters {
  /** null: across every flow. */
  flowId: string | null;
  /** Default 'pending': what still needs the analyst. */
  status: StatusFilter;
  nodeId: string | null;
  /** Text to find in the error message; empty for none. */
  q: string;
}

/** Rows per request. Default 50, the API's own default. */
export const PAGE_SIZE = 50;

export const STATUS_FILTERS: readonly StatusFilter[] = ['pending', 'all', 'retried', 'discarded'];

export const deadLetterKeys = {
  all: ['dead-letters'] as const,
  lists: () => ['dead-letters', 'list'] as const,
  list: (filters: DeadLetterFilters) => ['dead-letters', 'list', filters] as const,
  one: (id: string) => ['dead-letters', 'one', id] as const,
};

/** `GET` path for one page: the per-flow route when a flow is chosen, the cross-flow one otherwise. */
export function deadLetterListPath(filters: DeadLetterFilters, cursor: string | null = null, limit = PAGE_SIZE): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  if (filters.status !== 'all') params.set('status', filters.status);
  if (filters.nodeId) params.set('nodeId', filters.nodeId);
  const q = filters.q.trim();
  if (q) params.set('q', q.slice(0, 200));
  const base = filters.flowId ? `/api/flows/${encodeURIComponent(filters.flowId)}/dead-letters` : '/api/dead-letters';
  return `${base}?${params.toString()}`;
}

/**
 * The filters from the page's address: `?status=all&node=rules&q=total&flow=<id>`. The route's flow
 * (`/flows/:flowId/dead-letters`) wins over `flow=`.
 */
export function filtersFromSearch(search: URLSearchParams, routeFlowId: string | undefined): DeadLetterFilters {
  const status = search.get('status');
  return {
    flowId: routeFlowId ?? (search.get('flow') || null),
    status: STATUS_FILTERS.find((s) => s === status) ?? 'pending',
    nodeId: search.get('node') || null,
    q: search.get('q') ?? '',
  };
}

/** Sets (or, for empty and default values, removes) one filter in the address. */
export function withSearchParam(search: URLSearchParams, key: 'status' | 'node' | 'q' | 'flow' | 'open', value: string | null): URLSearchParams {
  const next = new URLSearchParams(search);
  if (value === null || value === '' || (key === 'status' && value === 'pending')) next.delete(key);
  else next.set(key, value);
  // A different flow has different nodes.
  if (key === 'flow') next.delete('node');
  return next;
}
