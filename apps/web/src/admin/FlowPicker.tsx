import { useId, useMemo, useState } from 'react';
import { useFlowChoices } from './use-flow-choices';

export interface FlowPickerProps {
  /** The ids of the flows picked. */
  value: readonly string[];
  onChange: (ids: string[]) => void;
  /** The fieldset's legend. Default: "Flows". */
  legend?: string;
  /** Under the legend: what the flows are for. */
  help?: string;
  /** A validation message; marks the list invalid. */
  error?: string | null;
}

/** Above this many flows a filter box appears. */
const FILTER_FROM = 8;

/**
 * The flows a data producer (user or token) may ingest into: a checkbox list with a filter, in a
 * fieldset so that screen readers announce the legend. Render it only for users with `flows:read`.
 */
export function FlowPicker({ value, onChange, legend = 'Flows', help, error }: FlowPickerProps) {
  const flows = useFlowChoices(true);
  const [filter, setFilter] = useState('');
  const id = useId();
  const all = flows.data ?? [];
  const needle = filter.trim().toLowerCase();
  const shown = useMemo(() => (needle ? all.filter((f) => f.name.toLowerCase().includes(needle)) : all), [all, needle]);
  const picked = new Set(value);
  const toggle = (flowId: string, on: boolean) => onChange(on ? [...value, flowId] : value.filter((v) => v !== flowId));
  const describedBy = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;

  return (
    <fieldset className={`admin-flow-picker${error ? ' invalid' : ''}`} aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend>
        {legend}
        {flows.data && all.length > 0 && (
          <span className="muted admin-flow-count">
            {' '}
            · {value.length} of {all.length} picked
          </span>
        )}
      </legend>
      {help && (
        <div className="field-help" id={`${id}-help`}>
          {help}
        </div>
      )}
      {flows.isPending ? (
        <p className="admin-flow-status muted" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> Loading flows…
        </p>
      ) : flows.isError ? (
        <div className="error-box admin-flow-status" role="alert">
          Could not load the flows: {flows.error.message}{' '}
          <button type="button" className="small" onClick={() => void flows.refetch()}>
            Try again
          </button>
        </div>
      ) : all.length === 0 ? (
        <p className="admin-flow-status muted">There are no flows yet. Create a flow first, then grant it here.</p>
      ) : (
        <>
          {all.length > FILTER_FROM && (
            <input
              type="search"
              className="admin-flow-filter"
              placeholder="Filter flows"
              aria-label="Filter flows"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          )}
          <ul className="admin-flow-list">
            {shown.map((flow) => (
              <li key={flow.id}>
                <label className="admin-check">
                  <input type="checkbox" checked={picked.has(flow.id)} onChange={(e) => toggle(flow.id, e.target.checked)} />
                  <span>{flow.name}</span>
                </label>
              </li>
            ))}
            {shown.length === 0 && <li className="muted admin-flow-none">No flows match “{filter}”.</li>}
          </ul>
        </>
      )}
      {error && (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
    </fieldset>
  );
}
