import { memo, useState } from 'react';
import { Link } from 'react-router';
import type { Alert, AlertEvent } from '@sluice/shared';
import { can, useSession } from '../auth';
import { RelativeTime } from '../flows';
import { formatAlertValue, isSilenced, RULE_TITLES } from './alert-text';
import { AlertChannels } from './AlertChannels';
import { useAlertAction, type AlertAction } from './use-alert-actions';
import { useAlertHistory } from './use-alert-history';
import { useAlerts } from './use-alerts';
import './alerts.css';
import { TableHead } from '../app/TableHead';

/** Silence lengths offered, in minutes. */
const SILENCE_CHOICES = [
  { minutes: 15, label: '15 min' },
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 1440, label: '1 day' },
];

const STATE_BADGE: Record<Alert['state'], string> = { firing: 'error', pending: 'warn', resolved: 'ok' };

/** `/alerts`: the current alerts (acknowledge, silence) and the history of their state changes. */
export function AlertsPage() {
  const { data: session } = useSession();
  const [showResolved, setShowResolved] = useState(false);
  const alerts = useAlerts(showResolved ? 'all' : 'active');
  const mayAct = can(session, 'alerts:write');
  const action = useAlertAction();
  const list = alerts.data ?? [];

  return (
    <div className="page alerts-page">
      <div className="page-header">
        <h1>Alerts</h1>
        <label className="alerts-toggle">
          <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} /> Show resolved
        </label>
      </div>
      <p className="muted alerts-intro">
        Rules are checked about every 15 seconds against each deployed flow; thresholds, windows and “for” durations are flow settings.
        Silenced alerts send no notifications and stay out of the banner.
      </p>
      {action.isError && (
        <div className="error-box" role="alert">
          {action.error.message}
        </div>
      )}
      {alerts.isPending ? (
        <p className="empty">
          <span className="spinner" /> Loading alerts…
        </p>
      ) : alerts.isError ? (
        <div className="error-box" role="alert">
          Could not load the alerts: {alerts.error.message}
        </div>
      ) : list.length === 0 ? (
        <div className="card alerts-empty" data-testid="alerts-empty">
          <h2>All quiet</h2>
          <p className="muted">No alert is pending or firing.</p>
        </div>
      ) : (
        <table className="table" data-testid="alerts-table">
          <TableHead columns={['State', 'Rule', 'Flow', 'Value / threshold', 'Since', 'Acknowledged']} />
          <tbody>
            {list.map((alert) => (
              <AlertRow key={alert.id} alert={alert} mayAct={mayAct} busy={action.isPending} onAction={action.mutate} />
            ))}
          </tbody>
        </table>
      )}
      <AlertHistory />
      {can(session, 'alerts:configure') && <AlertChannels />}
    </div>
  );
}

const AlertRow = memo(function AlertRow({ alert, mayAct, busy, onAction }: { alert: Alert; mayAct: boolean; busy: boolean; onAction: (a: AlertAction) => void }) {
  const silenced = isSilenced(alert);
  return (
    <tr data-testid={`alert-row-${alert.id}`}>
      <td>
        <span className={`badge ${STATE_BADGE[alert.state]}`}>{alert.state}</span>
        {silenced && (
          <span className="badge alerts-silenced" title={`until ${new Date(alert.silencedUntil!).toLocaleString()}`}>
            silenced
          </span>
        )}
      </td>
      <td>
        <div className="alerts-rule">{RULE_TITLES[alert.rule]}</div>
        <div className="muted alerts-message">{alert.message}</div>
      </td>
      <td>
        <Link to={`/flows/${alert.flowId}`}>{alert.flowName}</Link>
      </td>
      <td className="alerts-value">
        {formatAlertValue(alert.rule, alert.value)} <span className="muted">/ {formatAlertValue(alert.rule, alert.threshold)}</span>
      </td>
      <td className="admin-time">
        <RelativeTime iso={alert.firingAt ?? alert.since} />
      </td>
      <td>{alert.acknowledgedAt ? <span title={alert.acknowledgedAt}>{alert.acknowledgedBy}</span> : <span className="muted">—</span>}</td>
      <td className="alerts-actions">
        {mayAct && alert.state !== 'resolved' && !alert.acknowledgedAt && (
          <button type="button" className="small" disabled={busy} onClick={() => onAction({ kind: 'acknowledge', id: alert.id })}>
            Acknowledge
          </button>
        )}
        {mayAct &&
          (silenced ? (
            <button type="button" className="small ghost" disabled={busy} onClick={() => onAction({ kind: 'unsilence', id: alert.id })}>
              Unsilence
            </button>
          ) : (
            <select
              aria-label={`Silence ${RULE_TITLES[alert.rule]} on ${alert.flowName}`}
              className="small"
              value=""
              disabled={busy}
              onChange={(e) => e.target.value && onAction({ kind: 'silence', id: alert.id, minutes: Number(e.target.value) })}
            >
              <option value="">Silence…</option>
              {SILENCE_CHOICES.map((c) => (
                <option key={c.minutes} value={c.minutes}>
                  for {c.label}
                </option>
              ))}
            </select>
          ))}
      </td>
    </tr>
  );
});

function AlertHistory() {
  const history = useAlertHistory();
  const events: AlertEvent[] = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="alerts-history">
      <h2>History</h2>
      {history.isError && (
        <div className="error-box" role="alert">
          Could not load the history: {history.error.message}
        </div>
      )}
      {events.length === 0 && !history.isPending ? (
        <p className="muted">No alert has changed state yet.</p>
      ) : (
        <table className="table" data-testid="alert-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">State</th>
              <th scope="col">Rule</th>
              <th scope="col">Flow</th>
              <th scope="col">Value / threshold</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td className="admin-time">
                  <RelativeTime iso={e.at} />
                </td>
                <td>
                  <span className={`badge ${STATE_BADGE[e.state]}`}>{e.state}</span>
                </td>
                <td>{RULE_TITLES[e.rule]}</td>
                <td>
                  <Link to={`/flows/${e.flowId}`}>{e.flowName}</Link>
                </td>
                <td className="alerts-value">
                  {formatAlertValue(e.rule, e.value)} <span className="muted">/ {formatAlertValue(e.rule, e.threshold)}</span>
                </td>
                <td className="muted alerts-message">{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {history.hasNextPage && (
        <button type="button" className="small alerts-more" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
          {history.isFetchingNextPage ? 'Loading…' : 'Older changes'}
        </button>
      )}
    </section>
  );
}
