// From the API's points to what the charts draw: uPlot wants columns (x values, then one array per
// series) with x in seconds; ratios become percentages; null stays null so the line shows a gap.
import type uPlot from 'uplot';
import type { MetricsPoint } from '@sluice/shared';

export interface MetricsColumns {
  /** [t, records in/s, delivered/s] */
  throughput: uPlot.AlignedData;
  /** [t, p50, p95, p99] in ms */
  latency: uPlot.AlignedData;
  /** [t, error rate %] */
  errorRate: uPlot.AlignedData;
  /** [t, validation pass rate %] */
  validation: uPlot.AlignedData;
}

const percent = (ratio: number | null): number | null => (ratio === null ? null : ratio * 100);

export function toColumns(points: readonly MetricsPoint[]): MetricsColumns {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const t = sorted.map((p) => p.t / 1000);
  return {
    throughput: [t, sorted.map((p) => p.recordsPerSecond), sorted.map((p) => p.deliveredPerSecond)],
    latency: [t, sorted.map((p) => p.latencyP50), sorted.map((p) => p.latencyP95), sorted.map((p) => p.latencyP99)],
    errorRate: [t, sorted.map((p) => percent(p.errorRate))],
    validation: [t, sorted.map((p) => percent(p.validationPassRate))],
  };
}

/** True when any point measured something; a flow with no traffic in the window has nothing to draw. */
export function hasMetrics(points: readonly MetricsPoint[]): boolean {
  return points.some(
    (p) =>
      p.recordsPerSecond > 0 ||
      p.deliveredPerSecond > 0 ||
      p.latencyP50 !== null ||
      p.errorRate !== null ||
      p.validationPassRate !== null,
  );
}

/** The most recent value a series has (skipping the gaps), for the figure above each chart. */
export function latest(column: uPlot.AlignedData[number] | undefined): number | null {
  if (!column) return null;
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

export function formatPerSecond(v: number): string {
  if (v === 0) return '0';
  if (v < 10) return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
}

export function formatMs(v: number): string {
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

export function formatPercent(v: number): string {
  if (v === 0 || v === 100) return `${v}%`;
  if (v < 0.1) return `${v.toFixed(2)}%`;
  return `${v.toFixed(1)}%`;
}

/** Indices of values with no neighbour on either side: a line cannot show them, so they get a dot. */
export function isolatedIndices(column: uPlot.AlignedData[number] | undefined): number[] {
  if (!column) return [];
  const has = (i: number) => i >= 0 && i < column.length && typeof column[i] === 'number';
  const out: number[] = [];
  for (let i = 0; i < column.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) out.push(i);
  return out;
}

/** Per series, the index of its latest value (null when it has none): what the legend shows at rest. */
export function latestIndices(data: uPlot.AlignedData): (number | null)[] {
  return data.map((column, s) => {
    if (s === 0) return column.length > 0 ? column.length - 1 : null;
    for (let i = column.length - 1; i >= 0; i--) if (typeof column[i] === 'number') return i;
    return null;
  });
}

/** Axis labels: short, no trailing zeros (`0`, `2.5`, `1.2k`). */
function trim(v: number): string {
  return String(Number(v.toFixed(2)));
}
export const axisPerSecond = (v: number): string => (Math.abs(v) >= 1000 ? `${trim(v / 1000)}k` : trim(v));
export const axisMs = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 1000 ? `${trim(v / 1000)} s` : `${trim(v)} ms`);
export const axisPercent = (v: number): string => `${trim(v)}%`;
