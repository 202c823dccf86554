import { z } from 'zod';
import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '../webhook-signature.js';
import type { Task } from 'graphile-worker';
import { getRun, loadRun } from '../../storage/runs.js';
import { EgressRefusedError, type PullCapability } from '@sluice/nodes';
import { pullOf, type RunDeps } from './run-pull.js';

export const NotifyRunPayloadSchema = z.object({ runId: z.string().uuid() });

/**
 * POSTs a finished run's summary to the source's notification webhook, through the egress guard.
 * Any answer but 2xx (or no answer within 10 s) throws, and graphile-worker tries again with its
 * growing delay; an address the guard refuses is logged and not tried again.
 */
export function createNotifyRunTask(deps: RunDeps & { fetch: typeof fetch }): Task {
  return async (rawPayload) => {
    const { runId } = NotifyRunPayloadSchema.parse(rawPayload);
    const row = await loadRun(deps.pool, runId);
    if (!row) return;
    const notify = (await pullOf(deps, row)).settings.notify;
    if (!notify) return;
    const run = await getRun(deps.pool, row.flowId, runId);
    const body = JSON.stringify({ event: `run.${run.status}`, run });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-sluice-event': `run.${run.status}`, 'x-sluice-delivery': runId };
    if (notify.secret) headers[WEBHOOK_SIGNATURE_HEADER] = signWebhookBody(notify.secret, body);
    let response: Response;
    try {
      response = await deps.fetch(notify.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      if (!(err instanceof EgressRefusedError)) throw err;
      deps.logger.error({ runId, flowId: row.flowId, nodeId: row.nodeId, reason: err.message }, 'run notification refused by the egress guard; not sent');
      return;
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the notification webhook answered ${response.status}`);
  };
}

/** Enqueues the notification of a finished run when its source has a webhook that wants this status. */
export async function enqueueNotification(client: { query(text: string, values?: unknown[]): Promise<unknown> }, runId: string, status: string, pull: PullCapability): Promise<void> {
  const notify = pull.settings.notify;
  if (!notify || (notify.on === 'failure' && status === 'succeeded')) return;
  await client.query(`SELECT graphile_worker.add_job('notify_run', json_build_object('runId', $1::text), job_key := 'notify_run:' || $1, max_attempts := 12)`, [runId]);
}
