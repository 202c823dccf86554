import { Link, useParams } from 'react-router';
import { ReactFlowProvider } from '@xyflow/react';
import { ApiError } from '../api/client';
import { useFlow } from '../flows/use-flows';
import { FlowEditor } from './FlowEditor';
import { useNodeTypes } from './use-node-types';
import './canvas.css';

/** `/flows/:flowId`: loads the flow and the node types, then opens the editor (keyed by flow). */
export function FlowEditorPage() {
  const { flowId = '' } = useParams();
  const flow = useFlow(flowId);
  const types = useNodeTypes();

  if (flow.isError || types.isError) {
    const error = flow.error ?? types.error;
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div className="editor-state" data-testid="editor-error">
        <h1>{notFound ? 'This flow does not exist' : 'The editor could not open'}</h1>
        <p className={notFound ? 'muted' : 'error-box'} role={notFound ? undefined : 'alert'}>
          {notFound ? 'It may have been deleted, or the address is wrong.' : (error?.message ?? 'unknown error')}
        </p>
        <div className="editor-state-actions">
          {!notFound && (
            <button type="button" onClick={() => void (flow.isError ? flow.refetch() : types.refetch())}>
              Try again
            </button>
          )}
          <Link to="/" className="button">
            Back to the flows
          </Link>
        </div>
      </div>
    );
  }

  if (!flow.data || !types.data) {
    return (
      <div className="editor-state" aria-busy="true" data-testid="editor-loading">
        <span className="spinner" aria-hidden="true" /> Opening the flow…
      </div>
    );
  }

  return (
    <ReactFlowProvider key={flowId}>
      <FlowEditor key={flowId} flow={flow.data} types={types.data} />
    </ReactFlowProvider>
  );
}
