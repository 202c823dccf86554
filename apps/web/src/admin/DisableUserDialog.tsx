import type { User } from '@sluice/shared';
import { ApiError } from '../api/client';
import { Dialog } from '../flows';
import { useUpdateUser } from './use-update-user';

/** Confirms disabling a user; the server refuses (409) when it is the admin's own account, and the dialog says so. */
export function DisableUserDialog({ user, onClose, onDisabled }: { user: User; onClose: () => void; onDisabled: () => void }) {
  const update = useUpdateUser();
  const refused = update.error instanceof ApiError && update.error.status === 409;
  return (
    <Dialog
      title={`Disable ${user.email}?`}
      onClose={onClose}
      testId="disable-user-dialog"
      description="They are signed out at once, cannot sign in, and their API tokens stop working — until you enable the account again."
    >
      {update.error && (
        <div className="error-box" role="alert">
          {refused ? 'The server refused: ' : 'Could not disable the user: '}
          {update.error.message}
        </div>
      )}
      <div className="sl-dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger solid"
          disabled={update.isPending}
          onClick={() => update.mutate({ id: user.id, change: { disabled: true } }, { onSuccess: onDisabled })}
        >
          {update.isPending && <span className="spinner" aria-hidden="true" />}
          Disable user
        </button>
      </div>
    </Dialog>
  );
}
