import type { Issue } from '@sluice/shared';
import { describeIssue } from './issues';
import { AlertIcon, CloseIcon } from './icons';

/**
 * A refused deploy, under the toolbar: the server's message and, per node, what to fix, with a
 * button that takes the analyst to the node. Issues naming no node are listed under "Flow".
 */
export function DeployErrors({ message, byNode, onShowNode, onDismiss }: { message: string; byNode: ReadonlyMap<string, Issue[]>; onShowNode(id: string): void; onDismiss(): void }) {
  return (
    <div className="deploy-errors" role="alert" data-testid="deploy-errors">
      <AlertIcon />
      <div className="de-body">
        <strong>Not deployed.</strong> {message}
        <ul>
          {[...byNode].map(([nodeId, issues]) => (
            <li key={nodeId || 'flow'} data-testid={`deploy-error-${nodeId || 'flow'}`}>
              {nodeId ? (
                <button type="button" className="link de-node" onClick={() => onShowNode(nodeId)}>
                  Fix “{nodeId}”
                </button>
              ) : (
                <span className="de-node">Flow</span>
              )}
              <span>{issues.map(describeIssue).join('; ')}</span>
            </li>
          ))}
        </ul>
      </div>
      <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss">
        <CloseIcon />
      </button>
    </div>
  );
}
