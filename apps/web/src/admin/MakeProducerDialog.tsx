import { useState } from 'react';
import type { User } from '@sluice/shared';
import { ApiError } from '../api/client';
import { Dialog } from '../flows';
import { FlowPicker } from './FlowPicker';
import { useUpdateUser } from './use-update-user';

/**
 * Changing a user to data producer asks which flows they may send records into, since a producer
 * can do nothing else; the role and the flows change together.
 */
export function MakeProducerDialog({ user, onClose, onChanged }: { user: User; onClose: () => void; onChanged: () => void }) {
  const update = useUpdateUser();
  const [flowIds, setFlowIds] = useState<string[]>([]);
  const refused = update.error instanceof ApiError && update.error.status === 409;
  return (
    <Dialog
      title={`Make ${user.email} a data producer?`}
      onClose={onClose}
      testId="make-producer-dialog"
      description="A data producer can only send records into the flows granted here: no reading flows, no dead letters. They are signed out and sign in again."
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ id: user.id, change: { role: 'data_producer', flowIds } }, { onSuccess: onChanged });
        }}
      >
        <FlowPicker value={flowIds} onChange={setFlowIds} help="With none, they can send nothing until you grant flows." />
        {update.error && (
          <div className="error-box" role="alert">
            {refused ? 'The server refused: ' : 'Could not change the role: '}
            {update.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={update.isPending}>
            {update.isPending && <span className="spinner" aria-hidden="true" />}
            Make data producer
          </button>
        </div>
      </form>
    </Dialog>
  );
}
