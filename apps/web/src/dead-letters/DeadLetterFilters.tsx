import type { FlowSummary } from '@sluice/shared';
import { useFlow } from '../flows/use-flows';
import { STATUS_FILTERS, type DeadLetterFilters as Filters, type StatusFilter } from './dead-letter-query';
import { STATUSES } from './dead-letter-view';

const STATUS_LABEL: Record<StatusFilter, string> = {
  all: 'All statuses',
  pending: STATUSES.pending.label,
  retried: STATUSES.retried.label,
  discarded: STATUSES.discarded.label,
};

export interface DeadLetterFiltersProps {
  filters: Filters;
  /** The search box's text (sent to the server once typing pauses). */
  text: string;
  onText: (text: string) => void;
  onStatus: (status: StatusFilter) => void;
  onNode: (nodeId: string | null) => void;
  /** Across flows only: the flow picker. */
  flows: FlowSummary[] | null;
  onFlow: (flowId: string | null) => void;
}

/** Status, flow, node and error-text filters; every control is labelled. */
export function DeadLetterFilters({ filters, text, onText, onStatus, onNode, flows, onFlow }: DeadLetterFiltersProps) {
  return (
    <div className="dl-filters" role="search" aria-label="Filter dead letters">
      <div className="dl-filter">
        <label htmlFor="dl-status">Status</label>
        <select id="dl-status" value={filters.status} onChange={(e) => onStatus(STATUS_FILTERS.find((s) => s === e.target.value) ?? 'pending')}>
          {STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </div>
      {flows && (
        <div className="dl-filter">
          <label htmlFor="dl-flow">Flow</label>
          <select id="dl-flow" value={filters.flowId ?? ''} onChange={(e) => onFlow(e.target.value || null)}>
            <option value="">All flows</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {filters.flowId ? (
        <NodeSelect flowId={filters.flowId} value={filters.nodeId} onChange={onNode} />
      ) : (
        <div className="dl-filter">
          <label htmlFor="dl-node">Node</label>
          <select id="dl-node" value="" disabled title="Pick a flow to filter by node">
            <option value="">All nodes</option>
          </select>
        </div>
      )}
      <div className="dl-filter dl-filter-grow">
        <label htmlFor="dl-q">Error text</label>
        <input id="dl-q" type="search" placeholder="e.g. total must equal" value={text} maxLength={200} onChange={(e) => onText(e.target.value)} />
      </div>
    </div>
  );
}

/** The node picker, from the flow's graph (ids, with labels where the analyst gave one). */
function NodeSelect({ flowId, value, onChange }: { flowId: string; value: string | null; onChange: (nodeId: string | null) => void }) {
  const flow = useFlow(flowId);
  const nodes = flow.data?.graph.nodes ?? [];
  const options = nodes.map((n) => ({ id: n.id, text: n.label && n.label !== n.id ? `${n.id} — ${n.label}` : n.id }));
  // A node named in the address but gone from the draft graph stays pickable.
  if (value && !options.some((o) => o.id === value)) options.push({ id: value, text: value });
  return (
    <div className="dl-filter">
      <label htmlFor="dl-node">Node</label>
      <select id="dl-node" value={value ?? ''} onChange={(e) => onChange(e.target.value || null)} aria-busy={flow.isPending || undefined}>
        <option value="">All nodes</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.text}
          </option>
        ))}
      </select>
    </div>
  );
}
