import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedIndices, latestIndices } from './metrics-series';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Dash pattern, so that series differ by more than colour. */
  dash?: number[];
  fill?: boolean;
}

export interface TimeSeriesChartProps {
  data: uPlot.AlignedData;
  /** Module-level constants: a new array re-creates the chart. */
  series: readonly SeriesSpec[];
  /** Visible time window, epoch seconds. */
  timeWindow: readonly [number, number];
  /** The legend's values (and hover read-out). */
  format: (value: number) => string;
  /** Axis tick labels; short. */
  axisFormat: (value: number) => string;
  /** Fixed y range (e.g. 0–100 for percentages); otherwise from 0 to a little above the maximum. */
  yMax?: number;
  height?: number;
  /** What a screen reader hears for the canvas. */
  label: string;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const AXIS = { stroke: '#5f6b7a', font: '11px Inter, ui-sans-serif, system-ui, sans-serif', grid: { stroke: '#eef0f3', width: 1 }, ticks: { stroke: '#dde1e7', width: 1, size: 4 } };

/** A uPlot line chart that follows its container's width and takes new data without re-creating. */
export function TimeSeriesChart({ data, series, timeWindow, format, axisFormat, yMax, height = 100, label }: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const windowRef = useRef(timeWindow);
  windowRef.current = timeWindow;
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 120),
      height,
      padding: [8, 10, 0, 0],
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: {
        x: { time: true, range: () => [windowRef.current[0], windowRef.current[1]] },
        y: {
          range: (_u, _min, max): uPlot.Range.MinMax =>
            yMax !== undefined ? [0, yMax] : [0, max !== null && Number.isFinite(max) && max > 0 ? niceCeiling(max * 1.15) : 1],
        },
      },
      axes: [
        { ...AXIS, size: 26, space: 64, values: (_u, ticks) => ticks.map((t) => CLOCK.format(t * 1000)) },
        { ...AXIS, size: 44, space: 24, values: (_u, ticks) => ticks.map((v) => axisFormat(v)) },
      ],
      hooks: {
        // At rest the legend shows each series' latest value instead of dashes.
        setCursor: [showLatestAtRest],
        setData: [showLatestAtRest],
      },
      series: [
        { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toLocaleTimeString()) },
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: 1.75,
            dash: s.dash,
            fill: s.fill ? `${s.color}14` : undefined,
            spanGaps: false,
            // Lines break where there was nothing to measure; a lone value gets a dot instead.
            points: { show: true, size: 5, fill: s.color, filter: (u, i) => isolatedIndices(u.data[i]) },
            value: (_u, v) => (v === null || v === undefined ? '—' : format(v)),
          }),
        ),
      ],
    };
    const plot = new uPlot(options, dataRef.current, el);
    chart.current = plot;
    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [series, format, axisFormat, yMax, height]);

  useEffect(() => {
    chart.current?.setData(data, true);
  }, [data, timeWindow]);

  return <div ref={container} className="ts-chart" role="img" aria-label={label} />;
}

function showLatestAtRest(u: uPlot): void {
  if (u.cursor.idx == null) u.setLegend({ idxs: latestIndices(u.data) }, false);
}

/** 1, 2, 2.5, 5 × 10^n: tick labels stay round. */
function niceCeiling(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (v <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}
