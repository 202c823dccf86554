import { Link } from 'react-router';

/** What a page shows to a signed-in user whose role lacks the permission it needs. */
export function NoAccess({ title, what }: { title: string; what: string }) {
  return (
    <div className="page">
      <div className="card admin-empty" role="alert" data-testid="no-access">
        <div className="admin-empty-mark locked" aria-hidden="true" />
        <h1>{title}</h1>
        <p className="muted">You do not have access to {what}. Ask a system admin if you need it.</p>
        <Link to="/">Back to the flows</Link>
      </div>
    </div>
  );
}
