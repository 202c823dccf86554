import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { Cron } from 'croner';
import type { PullSettings, WatermarkValue } from '../define.js';

// What every pull source (database, API) adds to its config: when runs start, how long they may
// take, what happens on overlap, page retries, retry-missing and the notification webhook.

/** True when croner accepts the expression (and the time zone, when given). */
export function cronProblem(expression: string, timezone?: string): string | null {
  try {
    new Cron(expression, { timezone: timezone ?? 'UTC', paused: true });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export const PullSettingsShape = {
  schedule: z
    .string()
    .max(200)
    .optional()
    // The editor shows the next run times under a field of this format.
    .meta({ format: 'cron' })
    .describe('When runs start, as a cron expression ("0 2 * * *": every day at 02:00), checked each minute. Default: none, runs start by hand only.'),
  timezone: z.string().max(100).optional().describe('IANA time zone the schedule is read in, e.g. "Europe/Paris". Default: UTC.'),
  timeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600).describe('A run still going after this many seconds is marked timed out and stops fetching. Default 3600.'),
  overlap: z
    .enum(['skip', 'allow'])
    .default('skip')
    .describe('skip (the default): a run does not start while the previous run of this source is still going; allow: runs may overlap.'),
  pageRetries: z.number().int().min(0).max(20).default(3).describe('Times a page that failed to fetch is tried again (from the last committed page, with a growing delay) before the run fails. Default 3.'),
  retryMissing: z.boolean().default(false).describe('At the end of a run, fetch the missing keys once more before the run is marked incomplete. Default false.'),
  notify: z
    .object({
      url: z.url({ protocol: /^https?$/ }).describe('Where the run summary is POSTed (JSON) when a run ends.'),
      secret: z.string().min(8).max(200).meta(SECRET_REF_META).optional().describe('Signs the body (a value or a vault secret): header X-Sluice-Signature: sha256=<HMAC-SHA256 of the body, hex>. Default: unsigned.'),
      on: z.enum(['always', 'failure']).default('always').describe('always (the default), or only when a run does not succeed.'),
    })
    .optional()
    .describe('A webhook told about every finished run (retried with backoff until it answers 2xx). Default: none.'),
};

/** The cross-field checks of the pull settings, for a source's `.superRefine`. */
export function checkPullSettings(config: { schedule?: string | undefined; timezone?: string | undefined }, ctx: z.RefinementCtx): void {
  if (config.timezone !== undefined && config.schedule === undefined) {
    ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'a time zone needs a schedule' });
  }
  if (config.schedule !== undefined) {
    const problem = cronProblem(config.schedule, config.timezone);
    if (problem) ctx.addIssue({ code: 'custom', path: [config.timezone !== undefined && /time ?zone/i.test(problem) ? 'timezone' : 'schedule'], message: problem });
  }
}

/** The settings a runtime hands the server, from a parsed config. */
export function pullSettings(config: {
  schedule?: string | undefined;
  timezone?: string | undefined;
  timeoutSeconds: number;
  overlap: 'skip' | 'allow';
  pageRetries: number;
  retryMissing: boolean;
  notify?: { url: string; secret?: string | undefined; on: 'always' | 'failure' } | undefined;
}): PullSettings {
  return {
    schedule: config.schedule,
    timezone: config.timezone,
    timeoutSeconds: config.timeoutSeconds,
    overlap: config.overlap,
    pageRetries: config.pageRetries,
    retryMissing: config.retryMissing,
    notify: config.notify && { url: config.notify.url, secret: config.notify.secret, on: config.notify.on },
  };
}

/** A value read from a source as a watermark: times as ISO text, numbers as numbers, else text. */
export function toWatermark(value: unknown): WatermarkValue | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

/** The later of two watermark values (numbers numerically, else as text). */
export function laterWatermark(a: WatermarkValue | null | undefined, b: WatermarkValue | null | undefined): WatermarkValue | null {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return b > a ? b : a;
  return String(b) > String(a) ? b : a;
}

/** A database row as JSON-ready record data: times become ISO text, big integers text, bytes hex. */
export function rowToRecord(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Date) out[k] = v.toISOString();
    else if (typeof v === 'bigint') out[k] = v.toString();
    else if (v instanceof Uint8Array) out[k] = Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
    else out[k] = v;
  }
  return out;
}
