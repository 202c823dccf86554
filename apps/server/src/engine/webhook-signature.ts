// The signature on every webhook Sluice sends (alert notifications, run notifications): a timestamp
// and an HMAC over it and the body, so a receiver can check who sent it and refuse an old replay.
import { createHmac } from 'node:crypto';
import { ALERT_SIGNATURE_HEADER } from '@sluice/shared';

/** The header it travels in (the same for every kind of notification). */
export const WEBHOOK_SIGNATURE_HEADER = ALERT_SIGNATURE_HEADER;

/** `t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and reject a stale `t`. */
export function signWebhookBody(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
