// How a dead letter reads in the table and the drawer: labels in the analyst's words, tones that
// back up the text (never replace it), and which actions a dead letter allows.
import type { DeadLetter, DeadLetterStatus, RecordError } from '@sluice/shared';

export type Tone = 'ok' | 'warn' | 'error' | 'info' | 'neutral';

export const ERROR_KINDS: Record<RecordError['kind'], { label: string; tone: Tone; explain: string }> = {
  invalid: { label: 'Invalid', tone: 'warn', explain: 'A validator rejected the record and its invalid port is not wired.' },
  transform: { label: 'Transform', tone: 'error', explain: 'A transform failed on this record.' },
  permanent: { label: 'Permanent', tone: 'error', explain: 'The sink refused the record; retrying it unchanged will fail again.' },
  exhausted: { label: 'Retries exhausted', tone: 'error', explain: 'The sink kept failing until the retry policy gave up.' },
  version: { label: 'Version', tone: 'error', explain: 'The node is not in the flow version the record ran on.' },
};

export const STATUSES: Record<DeadLetterStatus, { label: string; tone: Tone }> = {
  pending: { label: 'Pending', tone: 'warn' },
  retried: { label: 'Retried', tone: 'info' },
  discarded: { label: 'Discarded', tone: 'neutral' },
};

/** Only pending dead letters can be edited, retried or discarded (the server answers 409 otherwise). */
export function isActionable(deadLetter: Pick<DeadLetter, 'status'>): boolean {
  return deadLetter.status === 'pending';
}

/** The first reason a validator gave, shown after the summary in the table ("total must equal…"). */
export function firstFailure(error: RecordError): string | null {
  const failure = error.failures?.[0];
  if (!failure) return null;
  const more = (error.failures?.length ?? 1) - 1;
  return more > 0 ? `${failure.message} (+${more} more)` : failure.message;
}

/** The record as the editor shows it. */
export function prettyRecord(record: unknown): string {
  return record === undefined ? '' : JSON.stringify(record, null, 2);
}

/**
 * A sink's response body for the drawer: pretty-printed when it is JSON, cut to `max` characters
 * (default 2048; the server already keeps at most 2 KB, so a cut body is usually not JSON).
 */
export function bodyExcerpt(body: string, max = 2048): { text: string; cut: boolean } {
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Not JSON (or cut short): shown as it came.
  }
  return text.length > max ? { text: text.slice(0, max), cut: true } : { text, cut: false };
}
