import { Link } from 'react-router';
import type { FlowSummary } from '@sluice/shared';
import { ApiError } from '../api/client';
import { Dialog } from './Dialog';
import { useDeleteFlow } from './use-flows';

/** Confirms a delete; a deployed flow is refused by the server (409) and the dialog says why. */
export function DeleteFlowDialog({ flow, onClose, onDeleted }: { flow: FlowSummary; onClose: () => void; onDeleted: () => void }) {
  const remove = useDeleteFlow();
  const conflict = remove.error instanceof ApiError && remove.error.status === 409;

  return (
    <Dialog
      title={`Delete “${flow.name}”?`}
      onClose={onClose}
      testId="delete-flow-dialog"
      description="The flow, its versions, its dead letters and its metrics are deleted. This cannot be undone; export the flow first to keep a copy."
    >
      {remove.error && (
        <div className="error-box" role="alert">
          {conflict ? 'The server refused: ' : 'Could not delete the flow: '}
          {remove.error.message}
          {conflict && (
            <>
              {' '}
              <Link to={`/flows/${flow.id}`}>Open the flow to stop it</Link>
            </>
          )}
        </div>
      )}
      <div className="sl-dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger solid"
          disabled={remove.isPending}
          onClick={() => remove.mutate(flow.id, { onSuccess: onDeleted })}
        >
          {remove.isPending && <span className="spinner" aria-hidden="true" />}
          Delete flow
        </button>
      </div>
    </Dialog>
  );
}
