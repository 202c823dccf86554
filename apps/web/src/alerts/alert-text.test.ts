import { describe, expect, it } from 'vitest';
import type { Alert } from '@sluice/shared';
import { bannerAlerts, formatAlertValue } from './alert-text';

const alert = (over: Partial<Alert>): Alert => ({
  id: 1, flowId: '00000000-0000-4000-8000-000000000001', flowName: 'orders', rule: 'high_error_rate', state: 'firing', value: 0.2, threshold: 0.05,
  message: '', since: '2026-01-01T00:00:00Z', firingAt: null, resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null, silencedUntil: null, updatedAt: '2026-01-01T00:00:00Z',
  ...over,
});

describe('alert text', () => {
  it('formats each rule in its unit', () => {
    expect(formatAlertValue('high_error_rate', 0.0525)).toBe('5.3%');
    expect(formatAlertValue('sla_breach', 30_000)).toBe('30.0 s');
    expect(formatAlertValue('sla_breach', 500)).toBe('500 ms');
    expect(formatAlertValue('queue_backlog_growing', 1200)).toBe('1,200');
    expect(formatAlertValue('data_flow_stopped', null)).toBe('—');
  });

  it('puts firing, unsilenced alerts in the banner', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    const shown = bannerAlerts(
      [alert({ id: 1 }), alert({ id: 2, state: 'pending' }), alert({ id: 3, silencedUntil: '2026-01-01T02:00:00Z' }), alert({ id: 4, silencedUntil: '2026-01-01T00:30:00Z' })],
      now,
    );
    expect(shown.map((a) => a.id)).toEqual([1, 4]);
  });
});
