import { Cron } from 'croner';

/** The next `count` times a cron expression fires in a time zone (default UTC, as the server reads it), or why it cannot. */
export function nextCronTimes(expression: string, timezone: string | undefined, count = 5, from: Date = new Date()): { times: Date[] } | { error: string } {
  try {
    const cron = new Cron(expression, { timezone: timezone ?? 'UTC', paused: true });
    return { times: cron.nextRuns(count, from) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A run time as the analyst reads it: in the schedule's zone, with the zone named. */
export function formatCronTime(time: Date, timezone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: timezone ?? 'UTC', timeZoneName: 'short' }).format(time);
}
