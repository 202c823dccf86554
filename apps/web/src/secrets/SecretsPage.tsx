import { useState } from 'react';
import { can, useSession } from '../auth';
import { RelativeTime } from '../flows';
import { LoadingRows, NoAccess, PlusIcon } from '../admin';
import { DeleteSecretDialog } from './DeleteSecretDialog';
import { SetSecretDialog } from './SetSecretDialog';
import { useSecrets } from './use-secrets';
import '../admin/admin.css';
import { TableHead } from '../app/TableHead';

type OpenDialog = { kind: 'new' } | { kind: 'replace'; name: string } | { kind: 'delete'; name: string } | null;

/** `/secrets`: the vault's secrets (system admins). Values are write-only: set or replace, never shown. */
export function SecretsPage() {
  const { data: session } = useSession();
  if (!session || !can(session, 'secrets:manage')) return <NoAccess title="Secrets" what="the vault's secrets" />;
  return <Secrets />;
}

function Secrets() {
  const secrets = useSecrets();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const all = secrets.data ?? [];
  const open = (next: OpenDialog) => {
    setNotice(null);
    setDialog(next);
  };

  return (
    <div className="page admin-page">
      <div className="page-header">
        <div className="admin-title">
          <h1>Secrets</h1>
          {secrets.data && <span className="muted admin-count">{all.length}</span>}
        </div>
        <button type="button" className="primary" onClick={() => open({ kind: 'new' })}>
          <PlusIcon />
          New secret
        </button>
      </div>
      <p className="admin-intro muted">
        Passwords, tokens and connection strings that flows use, stored encrypted. A node setting refers to one by name (the key button
        next to the field); the value is filled in when the flow is deployed and is never shown again, here or anywhere.
      </p>

      {notice && (
        <div className="notice notice-ok" role="status" data-testid="secrets-notice">
          <div className="notice-text">{notice}</div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {secrets.isPending ? (
        <LoadingRows label="Loading secrets…" />
      ) : secrets.isError && !secrets.data ? (
        <div className="error-box admin-error" role="alert">
          <strong>Could not load the secrets.</strong> {secrets.error.message}
          <button type="button" className="small" onClick={() => void secrets.refetch()}>
            Try again
          </button>
        </div>
      ) : all.length === 0 ? (
        <div className="card admin-empty" data-testid="secrets-empty">
          <div className="admin-empty-mark locked" aria-hidden="true" />
          <h2>No secrets yet</h2>
          <p className="muted">Keep credentials here instead of in node settings, so flows can be shared and exported without them.</p>
          <button type="button" className="primary" onClick={() => open({ kind: 'new' })}>
            <PlusIcon />
            New secret
          </button>
        </div>
      ) : (
        <div className="admin-table-wrap">
          <table className="table admin-table" data-testid="secrets-table">
            <TableHead columns={['Name', 'Value', 'Updated', 'By']} />
            <tbody>
              {all.map((secret) => (
                <tr key={secret.name} data-testid={`secret-row-${secret.name}`}>
                  <td className="admin-strong admin-wrap">
                    <code>{secret.name}</code>
                  </td>
                  <td>
                    <span className="badge">{secret.set ? 'Set' : 'Not set'}</span>
                  </td>
                  <td className="admin-time">
                    <RelativeTime iso={secret.updatedAt} />
                  </td>
                  <td className="muted">{secret.updatedBy ?? '—'}</td>
                  <td className="admin-actions">
                    <button type="button" className="small" onClick={() => open({ kind: 'replace', name: secret.name })} aria-label={`Replace the value of ${secret.name}`}>
                      Replace
                    </button>
                    <button type="button" className="small danger" onClick={() => open({ kind: 'delete', name: secret.name })} aria-label={`Delete ${secret.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {(dialog?.kind === 'new' || dialog?.kind === 'replace') && (
        <SetSecretDialog
          name={dialog.kind === 'replace' ? dialog.name : undefined}
          onClose={() => setDialog(null)}
          onSaved={(name) => {
            setDialog(null);
            setNotice(dialog.kind === 'replace' ? `Replaced the value of “${name}”.` : `Saved “${name}”. Reference it from a node setting with the key button.`);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteSecretDialog
          name={dialog.name}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            setNotice(`Deleted “${dialog.name}”.`);
          }}
        />
      )}
    </div>
  );
}
