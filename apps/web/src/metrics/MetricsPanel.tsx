import { useMemo, type ReactNode } from 'react';
import { axisMs, axisPercent, axisPerSecond, formatMs, formatPercent, formatPerSecond, hasMetrics, latest, toColumns } from './metrics-series';
import { TimeSeriesChart, type SeriesSpec } from './TimeSeriesChart';
import { useFlowMetrics } from './use-flow-metrics';
import './metrics.css';

const MINUTES = 15;

const THROUGHPUT: readonly SeriesSpec[] = [
  { label: 'In', color: '#2563eb', fill: true },
  { label: 'Delivered', color: '#15803d', dash: [5, 3] },
];
const LATENCY: readonly SeriesSpec[] = [
  { label: 'p50', color: '#2563eb' },
  { label: 'p95', color: '#b45309', dash: [5, 3] },
  { label: 'p99', color: '#b91c1c', dash: [2, 3] },
];
const ERROR_RATE: readonly SeriesSpec[] = [{ label: 'Errors', color: '#b91c1c', fill: true }];
const VALIDATION: readonly SeriesSpec[] = [{ label: 'Passed', color: '#15803d', fill: true }];

const show = (v: number | null, format: (n: number) => string) => (v === null ? '—' : format(v));

/** A flow's throughput, latency, error rate and validation pass rate over the last 15 minutes, live. */
export function MetricsPanel({ flowId }: { flowId: string }) {
  const metrics = useFlowMetrics(flowId, MINUTES);
  const data = metrics.data;
  const columns = useMemo(() => (data ? toColumns(data.points) : null), [data]);
  const timeWindow = useMemo<readonly [number, number]>(() => (data ? [data.from / 1000, data.to / 1000] : [0, 1]), [data]);

  let body;
  if (metrics.isPending) {
    body = (
      <div className="metrics-state" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading metrics…
      </div>
    );
  } else if (!data || !columns) {
    body = (
      <div className="metrics-state error-box" role="alert">
        Could not load the metrics: {metrics.error?.message ?? 'no answer'}.
      </div>
    );
  } else if (!hasMetrics(data.points)) {
    body = (
      <div className="metrics-state metrics-empty" data-testid="metrics-empty">
        <strong>No data in the last {MINUTES} minutes.</strong>
        <span className="muted">Deploy the flow and send it records; the charts fill in within a few seconds.</span>
      </div>
    );
  } else {
    const rateIn = latest(columns.throughput[1]);
    const delivered = latest(columns.throughput[2]);
    const p50 = latest(columns.latency[1]);
    const p95 = latest(columns.latency[2]);
    const p99 = latest(columns.latency[3]);
    const errors = latest(columns.errorRate[1]);
    const passed = latest(columns.validation[1]);
    body = (
      <div className="metrics-grid">
        <MetricCard title="Throughput" unit="records/s" figure={show(rateIn, formatPerSecond)} figureLabel="in" testId="metrics-throughput">
          <TimeSeriesChart
            data={columns.throughput}
            series={THROUGHPUT}
            timeWindow={timeWindow}
            format={formatPerSecond}
            axisFormat={axisPerSecond}
            label={`Throughput over the last ${MINUTES} minutes: now ${show(rateIn, formatPerSecond)} records/s in, ${show(delivered, formatPerSecond)} delivered/s`}
          />
        </MetricCard>
        <MetricCard title="Latency" unit="receive → delivered" figure={show(p95, formatMs)} figureLabel="p95" testId="metrics-latency">
          <TimeSeriesChart
            data={columns.latency}
            series={LATENCY}
            timeWindow={timeWindow}
            format={formatMs}
            axisFormat={axisMs}
            label={`Latency over the last ${MINUTES} minutes: now p50 ${show(p50, formatMs)}, p95 ${show(p95, formatMs)}, p99 ${show(p99, formatMs)}`}
          />
        </MetricCard>
        <MetricCard title="Error rate" unit="% of records in" figure={show(errors, formatPercent)} tone={errors !== null && errors > 0 ? 'error' : undefined} testId="metrics-error-rate">
          <TimeSeriesChart
            data={columns.errorRate}
            series={ERROR_RATE}
            timeWindow={timeWindow}
            format={formatPercent}
            axisFormat={axisPercent}
            label={`Error rate over the last ${MINUTES} minutes: now ${show(errors, formatPercent)}`}
          />
        </MetricCard>
        <MetricCard title="Validation" unit="% passed by validators" figure={show(passed, formatPercent)} testId="metrics-validation">
          <TimeSeriesChart
            data={columns.validation}
            series={VALIDATION}
            timeWindow={timeWindow}
            format={formatPercent}
            axisFormat={axisPercent}
            yMax={100}
            label={`Validation pass rate over the last ${MINUTES} minutes: now ${show(passed, formatPercent)}`}
          />
        </MetricCard>
      </div>
    );
  }

  return (
    <section className="metrics-panel" data-testid="metrics-panel" aria-label="Metrics">
      <header className="metrics-header">
        <h2>Metrics</h2>
        <span className="muted">
          Last {MINUTES} minutes{data ? ` · ${data.stepSeconds} s per point` : ''}
        </span>
        {data && (
          <span className={`metrics-live${metrics.isError ? ' stale' : ''}`} title={metrics.isError ? metrics.error.message : 'Refreshes every 2 seconds'}>
            <span className="metrics-live-dot" aria-hidden="true" />
            {metrics.isError ? 'Not updating' : 'Live'}
          </span>
        )}
      </header>
      {body}
      <p className="metrics-footnote">
        Delivered counts every sink a record reaches. Charts come from counters flushed about once a second: after a worker crash they can
        miss about a second of counts (or count a replayed chunk twice). Exact delivered and dead-lettered figures come from the tables.
      </p>
    </section>
  );
}

function MetricCard({
  title,
  unit,
  figure,
  figureLabel,
  tone,
  testId,
  children,
}: {
  title: string;
  unit: string;
  figure: string;
  figureLabel?: string;
  tone?: 'error';
  testId: string;
  children: ReactNode;
}) {
  return (
    <div className="metric-card" data-testid={testId}>
      <div className="metric-card-head">
        <div>
          <h3>{title}</h3>
          <span className="metric-unit">{unit}</span>
        </div>
        <div className={`metric-figure${tone ? ` tone-${tone}` : ''}`}>
          {figureLabel && <span className="metric-figure-label">{figureLabel}</span>}
          {figure}
        </div>
      </div>
      {children}
    </div>
  );
}
