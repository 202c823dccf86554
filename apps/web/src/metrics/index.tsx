// Metrics: a flow's throughput, latency, error rate and validation pass rate over time, and its data
// quality (completeness, accuracy, freshness, consistency) over sliding windows.
export { MetricsPanel } from './MetricsPanel';
export { QualityPanel } from './QualityPanel';
