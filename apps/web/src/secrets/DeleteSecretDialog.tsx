import { Dialog } from '../flows';
import { useDeleteSecret } from './use-delete-secret';

/** Confirms deleting a secret; flows that reference it can no longer be deployed until it is set again. */
export function DeleteSecretDialog({ name, onClose, onDeleted }: { name: string; onClose: () => void; onDeleted: () => void }) {
  const remove = useDeleteSecret();
  return (
    <Dialog
      title={`Delete “${name}”?`}
      onClose={onClose}
      testId="delete-secret-dialog"
      description="Flows that reference this secret cannot be deployed again until a secret of that name is set. Versions already running keep the value they compiled with until they restart."
    >
      {remove.error && (
        <div className="error-box" role="alert">
          Could not delete the secret: {remove.error.message}
        </div>
      )}
      <div className="sl-dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger solid" disabled={remove.isPending} onClick={() => remove.mutate(name, { onSuccess: onDeleted })}>
          {remove.isPending && <span className="spinner" aria-hidden="true" />}
          Delete secret
        </button>
      </div>
    </Dialog>
  );
}
