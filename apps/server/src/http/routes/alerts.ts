import type { Request, Response } from 'express';
import { type Alert, AlertHistoryQuerySchema, AlertListQuerySchema, AppError, CreateAlertChannelBodySchema, SilenceAlertBodySchema } from '@sluice/shared';
import {
  acknowledgeAlert,
  alertHistory,
  createAlertChannel,
  deleteAlertChannel,
  listAlertChannels,
  listAlerts,
  silenceAlert,
  unsilenceAlert,
} from '../../storage/alerts.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Alerts (read: flows:read; acknowledge and silence: alerts:write) and their channels (alerts:configure). */
export function alertRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.get('/alerts', 'flows:read', async (req, res) => {
    res.json({ items: await listAlerts(ctx.pool, parseRequest(AlertListQuerySchema, req.query, 'query')) });
  });

  router.get('/alerts/history', 'flows:read', async (req, res) => {
    res.json(await alertHistory(ctx.pool, parseRequest(AlertHistoryQuerySchema, req.query, 'query')));
  });

  // Who quietened which alert, and for how long: an operator reading the log after an incident asks.
  const auditAlert = (req: Request, res: Response, action: 'alert.acknowledge' | 'alert.silence' | 'alert.unsilence', alert: Alert, details: Record<string, unknown> = {}) =>
    ctx.audit.recordRequest(req, res, { action, outcome: 'success', resource: { type: 'alert', id: String(alert.id) }, details: { flowId: alert.flowId, rule: alert.rule, ...details } });

  router.post('/alerts/:id/acknowledge', 'alerts:write', async (req, res) => {
    const alert = await acknowledgeAlert(ctx.pool, String(req.params.id), principalOf(res).user.email);
    await auditAlert(req, res, 'alert.acknowledge', alert);
    res.json(alert);
  });

  router.post('/alerts/:id/silence', 'alerts:write', async (req, res) => {
    const { minutes } = parseRequest(SilenceAlertBodySchema, req.body);
    const alert = await silenceAlert(ctx.pool, String(req.params.id), minutes);
    await auditAlert(req, res, 'alert.silence', alert, { minutes });
    res.json(alert);
  });

  router.delete('/alerts/:id/silence', 'alerts:write', async (req, res) => {
    const alert = await unsilenceAlert(ctx.pool, String(req.params.id));
    await auditAlert(req, res, 'alert.unsilence', alert);
    res.json(alert);
  });

  router.get('/alert-channels', 'alerts:configure', async (_req, res) => {
    res.json({ items: await listAlertChannels(ctx.pool) });
  });

  router.post('/alert-channels', 'alerts:configure', async (req, res) => {
    const channel = await createAlertChannel(ctx.pool, ctx.vault.keyring, parseRequest(CreateAlertChannelBodySchema, req.body));
    // The URL's host only: a webhook URL often carries a token in its path (Slack's do).
    await ctx.audit.recordRequest(req, res, {
      action: 'alert_channel.create',
      outcome: 'success',
      resource: { type: 'alert_channel', id: channel.id },
      details: { name: channel.name, host: new URL(channel.url).host, format: channel.format, flowIds: channel.flowIds },
    });
    res.status(201).json(channel);
  });

  router.delete('/alert-channels/:id', 'alerts:configure', async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new AppError('not_found', `no alert channel with id ${id}`);
    const channel = await deleteAlertChannel(ctx.pool, id);
    await ctx.audit.recordRequest(req, res, { action: 'alert_channel.delete', outcome: 'success', resource: { type: 'alert_channel', id }, details: { name: channel.name } });
    res.status(204).end();
  });

  return router.router;
}
