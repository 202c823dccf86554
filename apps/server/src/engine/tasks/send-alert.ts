import { z } from 'zod';
import { signWebhookBody } from '../webhook-signature.js';
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { EgressRefusedError, parseRetryAfter, retryDelayMs, type RetryPolicy } from '@sluice/nodes';
import { ALERT_SIGNATURE_HEADER, type AlertNotification } from '@sluice/shared';
import type { Logger } from '../../logger.js';
import { openChannelSecret } from '../../storage/alerts.js';
import type { Keyring } from '../../vault/keyring.js';

/** The job payload: which state change to tell which channel, and the how-manyth try this is. */
export const SendAlertPayloadSchema = z.object({
  eventId: z.coerce.number().int().positive(),
  channelId: z.string().uuid(),
  attempt: z.number().int().min(1),
});
export type SendAlertPayload = z.infer<typeof SendAlertPayloadSchema>;

type Outcome = { status: 'delivered' } | { status: 'transient'; message: string; retryAfterMs?: number } | { status: 'permanent'; message: string };

/**
 * Delivers one alert notification. A transient failure (5xx, 408, 429, timeout, connection) is tried
 * again as a new job after the channel's retry policy's delay — the policy machinery sink.http
 * uses; a 4xx or the last attempt ends it, logged. The job itself never fails (graphile-worker's own
 * retries would ignore the policy).
 */
export function createSendAlertTask(deps: {
  pool: pg.Pool;
  logger: Logger;
  /** Opens the channels' sealed signing secrets. */
  keyring: Keyring;
  /** The egress guard's fetch: a channel URL on a link-local or unlisted private address is refused. */
  fetch: typeof fetch;
}): Task {
  return async (rawPayload, helpers) => {
    const payload = SendAlertPayloadSchema.parse(rawPayload);
    const { rows } = await deps.pool.query(
      `SELECT e.id, e.alert_id, e.flow_id, f.name AS flow_name, e.rule, e.state, e.value, e.threshold, e.message, e.at,
              c.url, c.format, c.secret, c.retry, c.timeout_ms
       FROM alert_events e JOIN flows f ON f.id = e.flow_id, alert_channels c
       WHERE e.id = $1 AND c.id = $2`,
      [payload.eventId, payload.channelId],
    );
    const row = rows[0];
    if (!row) return; // the channel or the flow was deleted meanwhile
    const notification: AlertNotification = {
      alert: {
        id: Number(row.alert_id),
        flowId: row.flow_id,
        flowName: row.flow_name,
        rule: row.rule,
        state: row.state,
        value: row.value === null ? null : Number(row.value),
        threshold: Number(row.threshold),
        message: row.message,
        at: new Date(row.at).toISOString(),
      },
    };
    const body = JSON.stringify(row.format === 'slack' ? slackBody(notification) : notification);
    const signature = signWebhookBody(openChannelSecret(deps.keyring, String(row.secret)), body);
    const outcome = await deliver(deps.fetch, String(row.url), body, signature, Number(row.timeout_ms));
    const where = { eventId: payload.eventId, channelId: payload.channelId, flowId: row.flow_id, rule: row.rule, state: row.state, attempt: payload.attempt };
    if (outcome.status === 'delivered') {
      deps.logger.info(where, 'alert notification delivered');
      return;
    }
    const policy = row.retry as RetryPolicy;
    if (outcome.status === 'permanent' || payload.attempt >= policy.maxAttempts) {
      deps.logger.error({ ...where, reason: outcome.message }, 'alert notification not delivered; giving up');
      return;
    }
    const delayMs = retryDelayMs(policy, payload.attempt, outcome.status === 'transient' ? outcome.retryAfterMs : undefined);
    const next: SendAlertPayload = { ...payload, attempt: payload.attempt + 1 };
    await helpers.addJob('send_alert', next, {
      runAt: new Date(Date.now() + delayMs),
      maxAttempts: 1,
      jobKey: `alert:${payload.eventId}:${payload.channelId}:${next.attempt}`,
    });
    deps.logger.warn({ ...where, reason: outcome.message, delayMs }, 'alert notification failed; trying again later');
  };
}

async function deliver(egressFetch: typeof fetch, url: string, body: string, signature: string, timeoutMs: number): Promise<Outcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await egressFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ALERT_SIGNATURE_HEADER]: signature },
      body,
      redirect: 'manual',
      signal: timeout,
    });
  } catch (err) {
    // The guard refused the address: no later try can change that.
    if (err instanceof EgressRefusedError) return { status: 'permanent', message: `refused by the egress guard: ${err.message}` };
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: 'transient', message: timeout.aborted ? `timed out after ${timeoutMs} ms` : `could not connect${cause ? ` (${cause})` : ''}` };
  }
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { status: 'delivered' };
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return retryAfterMs === undefined ? { status: 'transient', message: `HTTP ${status}` } : { status: 'transient', message: `HTTP ${status}`, retryAfterMs };
  }
  if (status >= 500 || status === 408) return { status: 'transient', message: `HTTP ${status}` };
  return { status: 'permanent', message: `HTTP ${status}` };
}

/** What a Slack (or Mattermost, Rocket.Chat) incoming webhook accepts: a `text`. */
function slackBody({ alert }: AlertNotification): { text: string } {
  const mark = alert.state === 'firing' ? ':rotating_light: FIRING' : ':white_check_mark: RESOLVED';
  return { text: `${mark} *${alert.rule}* on flow “${alert.flowName}”: ${alert.message}` };
}
