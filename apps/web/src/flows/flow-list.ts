// How the flows list shows a flow: status and last minute's figures (text first, colour second), and search.
import type { FlowSummary } from '@sluice/shared';

export type Tone = 'ok' | 'warn' | 'error' | 'info' | 'neutral';

export interface StatusBadge {
  label: string;
  tone: Tone;
  /** A sentence for the title attribute and screen readers. */
  detail: string;
}

export function flowStatusBadge(flow: Pick<FlowSummary, 'status' | 'deployedVersion' | 'latestVersion'>): StatusBadge {
  switch (flow.status) {
    case 'deployed':
      return {
        label: `Deployed v${flow.deployedVersion ?? flow.latestVersion ?? '?'}`,
        tone: 'ok',
        detail: `Running version ${flow.deployedVersion ?? flow.latestVersion ?? '?'}`,
      };
    case 'stopped':
      return {
        label: 'Stopped',
        tone: 'warn',
        detail: flow.latestVersion === null ? 'Stopped' : `Stopped; version ${flow.latestVersion} was the last deployed`,
      };
    case 'draft':
      return { label: 'Draft', tone: 'neutral', detail: 'Never deployed' };
  }
}

/** Records per second: one decimal below 10, whole numbers with separators above. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 0.1) return '<0.1';
  if (perSecond < 10) return perSecond.toFixed(1);
  return Math.round(perSecond).toLocaleString('en-US');
}

/** An error ratio (0–1) as a percentage; null means there was no traffic to measure. */
export function formatErrorRate(ratio: number | null): { text: string; tone: Tone } {
  if (ratio === null) return { text: '—', tone: 'neutral' };
  if (ratio === 0) return { text: '0%', tone: 'neutral' };
  const percent = ratio * 100;
  const text = percent < 0.01 ? '<0.01%' : percent < 10 ? `${percent.toFixed(2)}%` : `${percent.toFixed(1)}%`;
  return { text, tone: ratio >= 0.05 ? 'error' : 'warn' };
}

/** Case-insensitive match on name and description; an empty query keeps every flow. */
export function filterFlows<T extends Pick<FlowSummary, 'name' | 'description'>>(flows: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...flows];
  return flows.filter((f) => f.name.toLowerCase().includes(q) || (f.description ?? '').toLowerCase().includes(q));
}
