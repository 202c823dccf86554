import type { QualityTargets, QualityWindow } from '@sluice/shared';

export type QualityMeasure = 'completeness' | 'accuracy' | 'freshness' | 'consistency';

export const QUALITY_MEASURES: { id: QualityMeasure; title: string; explain: string }[] = [
  { id: 'completeness', title: 'Completeness', explain: 'records with every required field present and non-empty' },
  { id: 'accuracy', title: 'Accuracy', explain: 'records passing the validators' },
  { id: 'freshness', title: 'Freshness', explain: 'mean age of records when processed' },
  { id: 'consistency', title: 'Consistency', explain: 'records passing the consistency rules and not duplicated' },
];

export function windowTitle(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

export function valueOf(window: QualityWindow, measure: QualityMeasure): number | null {
  return measure === 'freshness' ? window.freshnessSeconds : window[measure];
}

export function targetOf(targets: QualityTargets, measure: QualityMeasure): number {
  return measure === 'freshness' ? targets.freshnessSeconds : targets[measure];
}

/** Whether a value meets its target (shares at least the target; freshness at most); null when unmeasured. */
export function meetsTarget(measure: QualityMeasure, value: number | null, targets: QualityTargets): boolean | null {
  if (value === null) return null;
  return measure === 'freshness' ? value <= targets.freshnessSeconds : value >= targets[measure];
}

/** 0.9955 → "99.55%", keeping the digits that tell 99.5% and 99.9% targets apart. */
export function formatShare(value: number): string {
  const pct = value * 100;
  return `${pct === 100 || pct === 0 ? pct.toFixed(0) : pct >= 99 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatMeasure(measure: QualityMeasure, value: number | null): string {
  if (value === null) return '—';
  return measure === 'freshness' ? formatAge(value) : formatShare(value);
}
