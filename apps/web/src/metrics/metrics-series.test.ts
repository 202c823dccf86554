import { describe, expect, it } from 'vitest';
import type { MetricsPoint } from '@sluice/shared';
import { axisMs, axisPercent, axisPerSecond, formatMs, formatPercent, hasMetrics, isolatedIndices, latest, latestIndices, toColumns } from './metrics-series';

const point = (t: number, over: Partial<MetricsPoint> = {}): MetricsPoint => ({
  t,
  recordsPerSecond: 0,
  deliveredPerSecond: 0,
  latencyP50: null,
  latencyP95: null,
  latencyP99: null,
  errorRate: null,
  validationPassRate: null,
  ...over,
});

describe('toColumns', () => {
  it('turns points into uPlot columns: seconds on x, percentages for ratios, gaps kept', () => {
    const points = [
      point(10_000, { recordsPerSecond: 4, deliveredPerSecond: 3.5, latencyP50: 12, latencyP95: 40, latencyP99: 90, errorRate: 0.025, validationPassRate: 0.9 }),
      point(5_000),
    ];
    expect(toColumns(points)).toEqual({
      throughput: [
        [5, 10],
        [0, 4],
        [0, 3.5],
      ],
      latency: [
        [5, 10],
        [null, 12],
        [null, 40],
        [null, 90],
      ],
      errorRate: [
        [5, 10],
        [null, 2.5],
      ],
      validation: [
        [5, 10],
        [null, 90],
      ],
    });
  });
});

describe('hasMetrics', () => {
  it('is false for a window with nothing measured', () => {
    expect(hasMetrics([])).toBe(false);
    expect(hasMetrics([point(0), point(5000)])).toBe(false);
    expect(hasMetrics([point(0), point(5000, { deliveredPerSecond: 1 })])).toBe(true);
    expect(hasMetrics([point(0, { validationPassRate: 1 })])).toBe(true);
  });
});

describe('latest values and lone points', () => {
  it('finds the latest value of a series, skipping gaps', () => {
    expect(latest([1, 2, null, null])).toBe(2);
    expect(latest([null, null])).toBeNull();
    expect(latestIndices([[1, 2, 3], [4, null, null], [null, null, null]])).toEqual([2, 0, null]);
  });

  it('marks values with no neighbour, which a line cannot draw', () => {
    expect(isolatedIndices([1, null, 3, 4, null, 6])).toEqual([0, 5]);
    expect(isolatedIndices([null, 2, null])).toEqual([1]);
    expect(isolatedIndices([1, 2])).toEqual([]);
  });
});

describe('formats', () => {
  it('formats values and axis ticks', () => {
    expect(formatMs(0.5)).toBe('0.50 ms');
    expect(formatMs(120)).toBe('120 ms');
    expect(formatMs(2500)).toBe('2.50 s');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(8.333)).toBe('8.3%');
    expect(axisMs(0)).toBe('0');
    expect(axisMs(50_000)).toBe('50 s');
    expect(axisPercent(2.5)).toBe('2.5%');
    expect(axisPerSecond(1500)).toBe('1.5k');
  });
});
