import type { ApiToken } from '@sluice/shared';
import { Dialog } from '../flows';
import { useRevokeToken } from './use-revoke-token';

/** Confirms revoking a token; programs that still send it are refused from then on. */
export function RevokeTokenDialog({ token, onClose, onRevoked }: { token: ApiToken; onClose: () => void; onRevoked: () => void }) {
  const revoke = useRevokeToken();
  return (
    <Dialog
      title={`Revoke “${token.name}”?`}
      onClose={onClose}
      testId="revoke-token-dialog"
      description="Every script or system that sends this token is refused from now on. This cannot be undone; create a new token to replace it."
    >
      {revoke.error && (
        <div className="error-box" role="alert">
          Could not revoke the token: {revoke.error.message}
        </div>
      )}
      <div className="sl-dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger solid" disabled={revoke.isPending} onClick={() => revoke.mutate(token.id, { onSuccess: onRevoked })}>
          {revoke.isPending && <span className="spinner" aria-hidden="true" />}
          Revoke token
        </button>
      </div>
    </Dialog>
  );
}
