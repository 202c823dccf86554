import { memo, useEffect, useRef } from 'react';
import { Link } from 'react-router';
import type { DeadLetter } from '@sluice/shared';
import { RelativeTime } from '../flows';
import { ERROR_KINDS, firstFailure, isActionable, STATUSES } from './dead-letter-view';
import type { Selection } from './use-selection';

export interface DeadLetterTableProps {
  rows: DeadLetter[];
  selection: Selection;
  onOpen: (id: string) => void;
  /** Across flows: a Flow column, with names from the flows list. */
  flowNames: ReadonlyMap<string, string> | null;
  /** The row whose drawer is open, highlighted. */
  openId: string | null;
  /** Rows from the previous filter while the new one loads. */
  stale: boolean;
}

export function DeadLetterTable({ rows, selection, onOpen, flowNames, openId, stale }: DeadLetterTableProps) {
  const actionable = rows.filter(isActionable).map((r) => r.id);
  const selectedShown = actionable.filter((id) => selection.has(id)).length;
  const all = actionable.length > 0 && selectedShown === actionable.length;
  const some = selectedShown > 0 && !all;
  const header = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (header.current) header.current.indeterminate = some;
  }, [some]);

  return (
    <div className={`dl-table-wrap${stale ? ' stale' : ''}`}>
      <table className="table dl-table" data-testid="dead-letter-table" aria-busy={stale || undefined}>
        <thead>
          <tr>
            <th scope="col" className="dl-check">
              <input
                ref={header}
                type="checkbox"
                aria-label="Select all pending dead letters shown"
                checked={all}
                disabled={actionable.length === 0}
                onChange={() => selection.setMany(actionable, !all)}
              />
            </th>
            <th scope="col">Time</th>
            {flowNames && <th scope="col">Flow</th>}
            <th scope="col">Node</th>
            <th scope="col">Error</th>
            <th scope="col" className="num" title="Delivery attempts before the record was dead-lettered">
              Attempts
            </th>
            <th scope="col" className="num" title="How many times an analyst has retried this record">
              Gen.
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <DeadLetterRow
              key={row.id}
              row={row}
              selected={selection.has(row.id)}
              onToggle={selection.toggle}
              onOpen={onOpen}
              flowName={flowNames ? (flowNames.get(row.flowId) ?? row.flowId.slice(0, 8)) : null}
              open={openId === row.id}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const DeadLetterRow = memo(function DeadLetterRow({
  row,
  selected,
  onToggle,
  onOpen,
  flowName,
  open,
}: {
  row: DeadLetter;
  selected: boolean;
  onToggle: (id: string) => void;
  onOpen: (id: string) => void;
  flowName: string | null;
  open: boolean;
}) {
  const kind = ERROR_KINDS[row.error.kind];
  const status = STATUSES[row.status];
  const actionable = isActionable(row);
  const reason = firstFailure(row.error);
  return (
    <tr
      data-testid={`dead-letter-row-${row.id}`}
      data-status={row.status}
      className={`selectable${selected ? ' selected' : ''}${open ? ' open' : ''}${actionable ? '' : ' settled'}`}
      onClick={(e) => {
        // Clicks on the checkbox, links and buttons do their own thing.
        if (e.target instanceof Element && e.target.closest('input, a, button, label')) return;
        onOpen(row.id);
      }}
    >
      <td className="dl-check">
        <input
          type="checkbox"
          aria-label={`Select dead letter ${row.id}`}
          checked={selected}
          disabled={!actionable}
          title={actionable ? undefined : `Already ${status.label.toLowerCase()}`}
          onChange={() => onToggle(row.id)}
        />
      </td>
      <td className="dl-time">
        <RelativeTime iso={row.createdAt} />
      </td>
      {flowName !== null && (
        <td className="dl-flow">
          <Link to={`/flows/${row.flowId}/dead-letters`}>{flowName}</Link>
        </td>
      )}
      <td>
        <span className="dl-node mono">{row.nodeId}</span>
        <span className="dl-version">v{row.version}</span>
      </td>
      <td className="dl-error">
        <button type="button" className="dl-open" aria-label={`Open dead letter ${row.id}: ${row.error.message}`} onClick={() => onOpen(row.id)}>
          <span className="dl-error-tags">
            <span className={`badge ${kind.tone}`}>{kind.label}</span>
            {row.error.status !== undefined && <span className="badge error mono">HTTP {row.error.status}</span>}
          </span>
          <span className="dl-error-message">
            {row.error.message}
            {reason && <span className="dl-error-reason"> — {reason}</span>}
          </span>
        </button>
      </td>
      <td className="num">{row.attempts}</td>
      <td className="num">{row.generation}</td>
      <td>
        <span className={`badge ${status.tone === 'neutral' ? '' : status.tone}`}>{status.label}</span>
      </td>
    </tr>
  );
});
