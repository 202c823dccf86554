import { AuditActionSchema, AuditOutcomeSchema } from '@sluice/shared';
import { RESOURCE_TYPES, type AuditFilters as Filters } from './audit-query';

export interface AuditFiltersProps {
  filters: Filters;
  /** The user box's text (applied once typing pauses). */
  userText: string;
  onUserText: (text: string) => void;
  onChange: (change: Partial<Filters>) => void;
}

/** Action, outcome, user, resource type and time range; every control is labelled. */
export function AuditFilters({ filters, userText, onUserText, onChange }: AuditFiltersProps) {
  return (
    <div className="dl-filters audit-filters" role="search" aria-label="Filter the audit log">
      <div className="dl-filter">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={filters.action ?? ''} onChange={(e) => onChange({ action: (AuditActionSchema.safeParse(e.target.value).data ?? null) })}>
          <option value="">All actions</option>
          {AuditActionSchema.options.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      <div className="dl-filter">
        <label htmlFor="audit-outcome">Outcome</label>
        <select id="audit-outcome" value={filters.outcome ?? ''} onChange={(e) => onChange({ outcome: (AuditOutcomeSchema.safeParse(e.target.value).data ?? null) })}>
          <option value="">All outcomes</option>
          {AuditOutcomeSchema.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </div>
      <div className="dl-filter">
        <label htmlFor="audit-user">User</label>
        <input id="audit-user" type="search" placeholder="Email, token name or user id" value={userText} onChange={(e) => onUserText(e.target.value)} />
      </div>
      <div className="dl-filter">
        <label htmlFor="audit-resource">Resource</label>
        <select id="audit-resource" value={filters.resourceType ?? ''} onChange={(e) => onChange({ resourceType: e.target.value || null })}>
          <option value="">Any resource</option>
          {RESOURCE_TYPES.map((r) => (
            <option key={r} value={r}>
              {r.replace('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      <div className="dl-filter">
        <label htmlFor="audit-from">From</label>
        <input id="audit-from" type="datetime-local" value={filters.from} onChange={(e) => onChange({ from: e.target.value })} />
      </div>
      <div className="dl-filter">
        <label htmlFor="audit-to">To</label>
        <input id="audit-to" type="datetime-local" value={filters.to} onChange={(e) => onChange({ to: e.target.value })} />
      </div>
    </div>
  );
}
