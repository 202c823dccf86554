import { memo } from 'react';
import type { AuditEntry } from '@sluice/shared';

const OUTCOME_BADGE: Record<AuditEntry['outcome'], string> = { success: 'badge ok', failure: 'badge warn', denied: 'badge error' };

/** One line of context from an entry's details (they never hold secrets or full PII). */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

const Row = memo(function Row({ entry }: { entry: AuditEntry }) {
  const at = new Date(entry.at);
  return (
    <tr data-testid={`audit-row-${entry.id}`}>
      <td className="admin-time" title={entry.at}>
        {at.toLocaleString()}
      </td>
      <td className="admin-strong">{entry.action}</td>
      <td>
        <span className={OUTCOME_BADGE[entry.outcome]}>{entry.outcome}</span>
      </td>
      <td className="admin-wrap">{entry.actor ?? <span className="muted">anonymous</span>}</td>
      <td className="admin-wrap">{entry.resourceType ? `${entry.resourceType}${entry.resourceId ? ` ${entry.resourceId}` : ''}` : <span className="muted">—</span>}</td>
      <td>{entry.sourceIp ?? ''}</td>
      <td className="admin-wrap audit-details" title={entry.correlationId ? `correlation id ${entry.correlationId}` : undefined}>
        {detailsText(entry.details)}
      </td>
    </tr>
  );
});

/** The entries, newest first. */
export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <div className="admin-table-wrap">
      <table className="table admin-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Who</th>
            <th scope="col">Resource</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <Row key={entry.id} entry={entry} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
