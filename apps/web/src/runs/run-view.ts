import type { Run, RunStatus } from '@sluice/shared';

/** How a run's status reads in the table: a label and a badge tone. */
export const RUN_STATUSES: Record<RunStatus, { label: string; tone: 'ok' | 'warn' | 'error' | 'info' }> = {
  running: { label: 'Running', tone: 'info' },
  succeeded: { label: 'Succeeded', tone: 'ok' },
  incomplete: { label: 'Incomplete', tone: 'warn' },
  timed_out: { label: 'Timed out', tone: 'error' },
  failed: { label: 'Failed', tone: 'error' },
};

export const TRIGGERS: Record<Run['trigger'], string> = { manual: 'By hand', schedule: 'Schedule', file: 'File upload' };

/** "850 ms", "42 s", "3 min 05 s", "2 h 04 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * The run's completeness in one line: how what the source said it holds compares with what was
 * fetched, and where the fetched records ended (delivered, dead-lettered, still in flight).
 */
export function completeness(run: Run): { text: string; tone: 'ok' | 'warn' | 'error' | 'muted' } {
  const n = (v: number) => v.toLocaleString('en-US');
  const settled = run.delivered + run.deadLettered;
  if (run.status === 'running') {
    const of = run.expected !== null ? ` of ${n(run.expected)}` : '';
    return { text: `${n(run.fetched)}${of} fetched, ${n(settled)} settled`, tone: 'muted' };
  }
  if (run.missing !== null && run.missing > 0) return { text: `${n(run.missing)} missing of ${n(run.expected ?? run.fetched + run.missing)}`, tone: 'warn' };
  if (run.inFlight > 0) return { text: `${n(run.inFlight)} still in flight`, tone: 'muted' };
  if (run.status === 'failed' || run.status === 'timed_out') return { text: `stopped after ${n(run.fetched)} fetched`, tone: 'error' };
  if (run.expected !== null) return { text: `all ${n(run.expected)} expected records fetched`, tone: 'ok' };
  if (run.trigger === 'file') return { text: `${n(run.fetched)} lines read`, tone: 'ok' };
  return { text: `${n(run.fetched)} fetched (the source gave no count)`, tone: 'ok' };
}

/** What an upload did, in one sentence: "Took in orders.csv: 1,200 lines, 2 of them unreadable (dead letters)." */
export function uploadSummary(run: Run, file: { name: string }): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `Took in ${file.name}: ${n(run.fetched)} lines${run.deadLettered > 0 ? `, ${n(run.deadLettered)} of them unreadable (dead letters)` : ''}.`;
}
