import { useMemo } from 'react';
import { formatCronTime, nextCronTimes } from './cron-times';

/** Under a schedule field: the next five times it starts a run, or why the expression is not one. */
export function CronPreview({ expression, timezone }: { expression: string; timezone: string | undefined }) {
  const next = useMemo(() => (expression.trim() === '' ? null : nextCronTimes(expression.trim(), timezone)), [expression, timezone]);
  if (next === null) return <p className="sf-cron muted">No schedule: runs start by hand.</p>;
  if ('error' in next) return <p className="sf-cron sf-cron-error" role="status">{next.error}</p>;
  return (
    <div className="sf-cron" data-testid="cron-preview">
      <span className="muted">Next runs{timezone ? '' : ' (UTC)'}:</span>
      <ol>
        {next.times.map((t) => (
          <li key={t.getTime()}>{formatCronTime(t, timezone)}</li>
        ))}
      </ol>
    </div>
  );
}
