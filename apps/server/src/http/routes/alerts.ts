import { AlertHistoryQuerySchema, AlertListQuerySchema, AppError, CreateAlertChannelBodySchema, SilenceAlertBodySchema } from '@sluice/shared';
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

  router.post('/alerts/:id/acknowledge', 'alerts:write', async (req, res) => {
    res.json(await acknowledgeAlert(ctx.pool, String(req.params.id), principalOf(res).user.email));
  });

  router.post('/alerts/:id/silence', 'alerts:write', async (req, res) => {
    const { minutes } = parseRequest(SilenceAlertBodySchema, req.body);
    res.json(await silenceAlert(ctx.pool, String(req.params.id), minutes));
  });

  router.delete('/alerts/:id/silence', 'alerts:write', async (req, res) => {
    res.json(await unsilenceAlert(ctx.pool, String(req.params.id)));
  });

  router.get('/alert-channels', 'alerts:configure', async (_req, res) => {
    res.json({ items: await listAlertChannels(ctx.pool) });
  });

  router.post('/alert-channels', 'alerts:configure', async (req, res) => {
    res.status(201).json(await createAlertChannel(ctx.pool, parseRequest(CreateAlertChannelBodySchema, req.body)));
  });

  router.delete('/alert-channels/:id', 'alerts:configure', async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new AppError('not_found', `no alert channel with id ${id}`);
    await deleteAlertChannel(ctx.pool, id);
    res.status(204).end();
  });

  return router.router;
}
