import { memo } from 'react';
import { Link } from 'react-router';
import type { FlowSummary } from '@sluice/shared';
import { flowStatusBadge, formatErrorRate, formatRate } from './flow-list';
import { RelativeTime } from './RelativeTime';

export interface FlowActions {
  onRename: (flow: FlowSummary) => void;
  onDuplicate: (flow: FlowSummary) => void;
  onExport: (flow: FlowSummary) => void;
  onDelete: (flow: FlowSummary) => void;
}

/** `actions` should be stable (rows are memoised); `busyFlowId` marks the row an action works on. */
export function FlowsTable({ flows, actions, busyFlowId }: { flows: FlowSummary[]; actions: FlowActions; busyFlowId: string | null }) {
  return (
    <div className="flows-table-wrap">
      <table className="table flows-table" data-testid="flows-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col" className="num" title="Records into the flow per second, over the last minute">
              Records/s
            </th>
            <th scope="col" className="num" title="Errors and dead letters over records in, last minute">
              Error rate
            </th>
            <th scope="col" className="num">
              Nodes
            </th>
            <th scope="col">Last deploy</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {flows.map((flow) => (
            <FlowRow key={flow.id} flow={flow} actions={actions} busy={busyFlowId === flow.id} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FlowRow = memo(function FlowRow({ flow, actions, busy }: { flow: FlowSummary; actions: FlowActions; busy: boolean }) {
  const status = flowStatusBadge(flow);
  const errorRate = formatErrorRate(flow.live.errorRate);
  return (
    <tr data-testid={`flow-row-${flow.id}`} aria-busy={busy || undefined}>
      <td className="flow-name-cell">
        <Link to={`/flows/${flow.id}`} className="flow-name">
          {flow.name}
        </Link>
        {flow.description && (
          <div className="flow-description" title={flow.description}>
            {flow.description}
          </div>
        )}
      </td>
      <td>
        <span className={`badge ${status.tone === 'neutral' ? '' : status.tone}`} title={status.detail} data-testid="flow-status">
          <span className={`status-dot ${flow.status}`} aria-hidden="true" />
          {status.label}
        </span>
      </td>
      <td className="num" data-testid="flow-rate">
        {flow.status === 'deployed' || flow.live.recordsPerSecond > 0 ? formatRate(flow.live.recordsPerSecond) : <span className="muted">—</span>}
      </td>
      <td className={`num tone-${errorRate.tone}`} data-testid="flow-error-rate" title={flow.live.errorRate === null ? 'No records in the last minute' : undefined}>
        {errorRate.text}
      </td>
      <td className="num">{flow.nodeCount}</td>
      <td>{flow.deployedAt ? <RelativeTime iso={flow.deployedAt} /> : <span className="muted">Never</span>}</td>
      <td className="flow-actions">
        {busy && <span className="spinner" role="status" aria-label="Working" />}
        <Link className="button ghost small" to={`/flows/${flow.id}/dead-letters`} aria-label={`Dead letters of flow ${flow.name}`}>
          Dead letters
        </Link>
        <button type="button" className="ghost small" aria-label={`Rename flow ${flow.name}`} onClick={() => actions.onRename(flow)}>
          Rename
        </button>
        <button type="button" className="ghost small" aria-label={`Duplicate flow ${flow.name}`} disabled={busy} onClick={() => actions.onDuplicate(flow)}>
          Duplicate
        </button>
        <button type="button" className="ghost small" aria-label={`Export flow ${flow.name}`} disabled={busy} onClick={() => actions.onExport(flow)}>
          Export
        </button>
        <button type="button" className="ghost small danger" aria-label={`Delete flow ${flow.name}`} onClick={() => actions.onDelete(flow)}>
          Delete
        </button>
      </td>
    </tr>
  );
});
