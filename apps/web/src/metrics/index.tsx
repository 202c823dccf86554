// Metrics: a flow's throughput, latency, error rate and validation pass rate over time.
export { MetricsPanel } from './MetricsPanel';
