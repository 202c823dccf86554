import type { ApiContext } from '../context.js';
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
  return router.router;
}
