import type { ReactNode } from 'react';
import { ChartIcon, ChevronIcon, FlaskIcon, AlertIcon } from './icons';

export type BottomTab = 'try-it' | 'metrics' | 'quality' | 'problems';

export interface BottomPanelProps {
  open: boolean;
  tab: BottomTab;
  onTab(tab: BottomTab): void;
  onToggle(): void;
  problems: number;
  tryIt: ReactNode;
  metrics: ReactNode;
  quality: ReactNode;
  problemsList: ReactNode;
}

const TABS: { id: BottomTab; label: string; icon: ReactNode }[] = [
  { id: 'try-it', label: 'Try it', icon: <FlaskIcon size={14} /> },
  { id: 'metrics', label: 'Metrics', icon: <ChartIcon size={14} /> },
  { id: 'quality', label: 'Quality', icon: <ChartIcon size={14} /> },
  { id: 'problems', label: 'Problems', icon: <AlertIcon size={14} /> },
];

/**
 * The collapsible panel under the canvas: Try it, the flow's metrics and data quality, and the problems list. Try it
 * stays mounted while hidden so pasted samples survive a look at the metrics.
 */
export function BottomPanel(p: BottomPanelProps) {
  return (
    <section className={`bottom-panel${p.open ? ' open' : ''}`} aria-label="Details" data-testid="bottom-panel">
      <div className="bp-tabs" role="tablist" aria-label="Details">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`bp-tab-${t.id}`}
            aria-selected={p.open && p.tab === t.id}
            aria-controls={`bp-pane-${t.id}`}
            className={`bp-tab${p.open && p.tab === t.id ? ' active' : ''}`}
            onClick={() => p.onTab(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.icon}
            {t.label}
            {t.id === 'problems' && p.problems > 0 && <span className="bp-count">{p.problems}</span>}
          </button>
        ))}
        <span className="bp-spacer" />
        <button type="button" className="icon-button" onClick={p.onToggle} aria-label={p.open ? 'Collapse the panel' : 'Expand the panel'} aria-expanded={p.open} data-testid="toggle-bottom-panel">
          <ChevronIcon up={!p.open} />
        </button>
      </div>
      <div role="tabpanel" id="bp-pane-try-it" aria-labelledby="bp-tab-try-it" className="bp-pane" hidden={!p.open || p.tab !== 'try-it'}>
        {p.tryIt}
      </div>
      <div role="tabpanel" id="bp-pane-metrics" aria-labelledby="bp-tab-metrics" className="bp-pane" hidden={!p.open || p.tab !== 'metrics'}>
        {p.open && p.tab === 'metrics' && p.metrics}
      </div>
      <div role="tabpanel" id="bp-pane-quality" aria-labelledby="bp-tab-quality" className="bp-pane" hidden={!p.open || p.tab !== 'quality'}>
        {p.open && p.tab === 'quality' && p.quality}
      </div>
      <div role="tabpanel" id="bp-pane-problems" aria-labelledby="bp-tab-problems" className="bp-pane" hidden={!p.open || p.tab !== 'problems'}>
        {p.problemsList}
      </div>
    </section>
  );
}
