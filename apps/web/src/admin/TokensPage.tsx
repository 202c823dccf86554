import { useCallback, useMemo, useState } from 'react';
import type { ApiToken, SessionInfo } from '@sluice/shared';
import { can, useSession } from '../auth';
import { PlusIcon } from './icons';
import { LoadingRows } from './LoadingRows';
import { NewTokenDialog } from './NewTokenDialog';
import { NoAccess } from './NoAccess';
import { RevokeTokenDialog } from './RevokeTokenDialog';
import { TokensTable } from './TokensTable';
import { useFlowChoices } from './use-flow-choices';
import { useTokens } from './use-tokens';
import './admin.css';

type OpenDialog = { kind: 'new' } | { kind: 'revoke'; token: ApiToken } | null;

/** `/tokens`: the signed-in user's personal API tokens; create one (its secret shown once) or revoke one. */
export function TokensPage() {
  const { data: session } = useSession();
  if (!session || !can(session, 'tokens:own')) return <NoAccess title="API tokens" what="API tokens" />;
  return <Tokens session={session} />;
}

function Tokens({ session }: { session: SessionInfo }) {
  const tokens = useTokens();
  const flows = useFlowChoices(can(session, 'flows:read'));
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const onRevoke = useCallback((token: ApiToken) => setDialog({ kind: 'revoke', token }), []);
  const flowNames = useMemo(() => (flows.data ? new Map(flows.data.map((f) => [f.id, f.name])) : null), [flows.data]);

  const all = tokens.data ?? [];
  const active = all.filter((t) => t.revokedAt === null).length;
  const openNew = () => {
    setNotice(null);
    setDialog({ kind: 'new' });
  };

  return (
    <div className="page admin-page">
      <div className="page-header">
        <div className="admin-title">
          <h1>API tokens</h1>
          {tokens.data && (
            <span className="muted admin-count">
              {active} active{all.length > active && ` · ${all.length - active} revoked`}
            </span>
          )}
        </div>
        <button type="button" className="primary" onClick={openNew}>
          <PlusIcon />
          New token
        </button>
      </div>
      <p className="admin-intro muted">
        Tokens let scripts and other systems call the Sluice API as you. Each has a role no higher than yours; a data producer token can
        only send records into the flows it is granted.
      </p>

      {notice && (
        <div className="notice notice-ok" role="status" data-testid="tokens-notice">
          <div className="notice-text">{notice}</div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {tokens.isPending ? (
        <LoadingRows label="Loading tokens…" />
      ) : tokens.isError && !tokens.data ? (
        <div className="error-box admin-error" role="alert">
          <strong>Could not load your tokens.</strong> {tokens.error.message}
          <button type="button" className="small" onClick={() => void tokens.refetch()}>
            Try again
          </button>
        </div>
      ) : all.length === 0 ? (
        <div className="card admin-empty" data-testid="tokens-empty">
          <div className="admin-empty-mark" aria-hidden="true" />
          <h2>No API tokens yet</h2>
          <p className="muted">Create one for each script or system, so that you can revoke one without breaking the others.</p>
          <button type="button" className="primary" onClick={openNew}>
            <PlusIcon />
            New token
          </button>
        </div>
      ) : (
        <TokensTable tokens={all} flowNames={flowNames} onRevoke={onRevoke} />
      )}

      {dialog?.kind === 'new' && <NewTokenDialog session={session} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'revoke' && (
        <RevokeTokenDialog
          token={dialog.token}
          onClose={() => setDialog(null)}
          onRevoked={() => {
            setDialog(null);
            setNotice(`Revoked “${dialog.token.name}”. Requests that send it are refused.`);
          }}
        />
      )}
    </div>
  );
}
