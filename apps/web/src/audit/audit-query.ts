// Which audit entries the page shows: its filters, the API path they make, and the query keys.
import type { AuditAction, AuditOutcome } from '@sluice/shared';

export interface AuditFilters {
  action: AuditAction | null;
  outcome: AuditOutcome | null;
  /** A user id, or text found in the actor (email or token name); empty for anyone. */
  user: string;
  resourceType: string | null;
  /** `datetime-local` values (the browser's time zone); empty for open-ended. */
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = { action: null, outcome: null, user: '', resourceType: null, from: '', to: '' };

/** Rows per request. Default 50, the API's own default. */
export const PAGE_SIZE = 50;

export const RESOURCE_TYPES = ['flow', 'user', 'token', 'dead_letter', 'dead_letters', 'route', 'secret'] as const;

export const auditKeys = {
  all: ['audit'] as const,
  list: (filters: AuditFilters) => ['audit', 'list', filters] as const,
};

/** A `datetime-local` value as an ISO instant, or null when empty or not a date. */
function instant(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `GET /api/audit` for one page. */
export function auditListPath(filters: AuditFilters, cursor: string | null = null, limit = PAGE_SIZE): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  if (filters.action) params.set('action', filters.action);
  if (filters.outcome) params.set('outcome', filters.outcome);
  const user = filters.user.trim();
  if (user) params.set('user', user.slice(0, 320));
  if (filters.resourceType) params.set('resourceType', filters.resourceType);
  const from = instant(filters.from);
  const to = instant(filters.to);
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  return `/api/audit?${params.toString()}`;
}
