import { useEffect, useState } from 'react';
import { can, useSession } from '../auth';
import { NoAccess } from '../admin/NoAccess';
import { LoadingRows } from '../admin/LoadingRows';
import { useDebouncedValue } from '../app/use-debounced-value';
import { NO_FILTERS, type AuditFilters as Filters } from './audit-query';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { useAudit } from './use-audit';
import '../admin/admin.css';
import '../dead-letters/dead-letters.css';
import './audit.css';

/** `/audit`: the audit log for system admins. */
export function AuditPage() {
  const { data: session } = useSession();
  if (!session || !can(session, 'audit:read')) return <NoAccess title="Audit log" what="the audit log" />;
  return <Audit />;
}

function Audit() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [userText, setUserText] = useState('');
  const user = useDebouncedValue(userText);
  useEffect(() => setFilters((f) => (f.user === user ? f : { ...f, user })), [user]);
  const audit = useAudit(filters);
  const entries = audit.data ?? [];

  return (
    <div className="page admin-page">
      <div className="page-header">
        <div className="admin-title">
          <h1>Audit log</h1>
          {audit.data && <span className="muted admin-count">{entries.length}
              {audit.hasNextPage ? '+' : ''} {entries.length === 1 && !audit.hasNextPage ? 'entry' : 'entries'}
            </span>}
        </div>
        <button type="button" className="small" onClick={() => void audit.refetch()} disabled={audit.isFetching}>
          Refresh
        </button>
      </div>
      <p className="admin-intro muted">
        Every sign-in, change and refusal, newest first. Entries cannot be edited or deleted, not even by Sluice itself. Repeated failures from
        one address are counted in a single entry per minute.
      </p>
      <AuditFilters filters={filters} userText={userText} onUserText={setUserText} onChange={(change) => setFilters((f) => ({ ...f, ...change }))} />

      {audit.isPending ? (
        <LoadingRows label="Loading the audit log…" />
      ) : audit.isError && !audit.data ? (
        <div className="error-box admin-error" role="alert">
          <strong>Could not load the audit log.</strong> {audit.error.message}
          <button type="button" className="small" onClick={() => void audit.refetch()}>
            Try again
          </button>
        </div>
      ) : entries.length === 0 ? (
        <div className="card admin-empty" data-testid="audit-empty">
          <h2>No entries</h2>
          <p className="muted">Nothing matches these filters.</p>
        </div>
      ) : (
        <>
          <AuditTable entries={entries} />
          {audit.hasNextPage && (
            <div className="audit-more">
              <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
                {audit.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
