import type { ApiContext } from '../context.js';
import { checkReadiness } from '../../observability/readiness.js';
import type { MetricsRegistry } from '../../observability/metrics.js';
import { SecureRouter } from '../route-table.js';

export function healthRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  // Liveness must answer without credentials: load balancers and probes call it.
  router.get('/health', 'public', async (_req, res) => {
    try {
      await ctx.pool.query('SELECT 1');
      res.json({ status: 'ok', db: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', db: `unreachable: ${(err as Error).message}` });
    }
  });
  // Readiness: whether this process should get traffic. Public like liveness; it says only ok or why not.
  router.get('/ready', 'public', async (_req, res) => {
    const readiness = await checkReadiness(ctx.pool, true);
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });
  return router.router;
}

/** `GET /metrics` (also at /api/metrics): Prometheus text; scrape with a data_consumer token or better. */
export function metricsRoutes(ctx: ApiContext, registry: MetricsRegistry) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.get('/metrics', 'flows:read', async (_req, res) => {
    await registry.refresh();
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router.router;
}
