import { Link } from 'react-router';
import { can, useSession } from '../auth';
import { bannerAlerts, RULE_TITLES } from './alert-text';
import { useAlerts } from './use-alerts';

/** App-wide: firing alerts that nobody silenced, with a link to the alerts page. */
export function AlertsBanner() {
  const { data: session } = useSession();
  const alerts = useAlerts('active', can(session, 'flows:read'));
  const firing = bannerAlerts(alerts.data ?? []);
  if (firing.length === 0) return null;
  const first = firing[0]!;
  return (
    <div className="banner banner-error alerts-banner" role="alert" data-testid="alerts-banner">
      <strong>
        {firing.length === 1 ? '1 alert firing' : `${firing.length} alerts firing`}
      </strong>
      : {RULE_TITLES[first.rule]} on “{first.flowName}”{firing.length > 1 && ` and ${firing.length - 1} more`}.{' '}
      <Link to="/alerts">See alerts</Link>
    </div>
  );
}
