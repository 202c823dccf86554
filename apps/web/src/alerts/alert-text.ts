import type { Alert, AlertRule } from '@sluice/shared';

/** Rule names as people read them. */
export const RULE_TITLES: Record<AlertRule, string> = {
  data_flow_stopped: 'Data flow stopped',
  high_error_rate: 'High error rate',
  sla_breach: 'SLA breach (p95 latency)',
  data_quality_degradation: 'Data quality degradation',
  queue_backlog_growing: 'Queue backlog growing',
};

/** A rule's measured value or threshold in its unit. */
export function formatAlertValue(rule: AlertRule, value: number | null): string {
  if (value === null) return '—';
  switch (rule) {
    case 'high_error_rate':
    case 'data_quality_degradation':
      return `${(value * 100).toFixed(1)}%`;
    case 'sla_breach':
      return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`;
    case 'data_flow_stopped':
      return `${value} s`;
    case 'queue_backlog_growing':
      return value.toLocaleString('en');
  }
}

/** Whether the alert is silenced at `now`. */
export function isSilenced(alert: Pick<Alert, 'silencedUntil'>, now = Date.now()): boolean {
  return alert.silencedUntil !== null && Date.parse(alert.silencedUntil) > now;
}

/** Firing alerts the banner should show: not silenced. */
export function bannerAlerts(alerts: readonly Alert[], now = Date.now()): Alert[] {
  return alerts.filter((a) => a.state === 'firing' && !isSilenced(a, now));
}
