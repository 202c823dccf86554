import { listWorkers } from '../../storage/workers.js';
import type { ApiContext } from '../context.js';
import { SecureRouter } from '../route-table.js';

/** The worker processes, their heartbeats and the jobs they are running. */
export function workerRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.get('/workers', 'flows:read', async (_req, res) => {
    res.json(await listWorkers(ctx.pool));
  });
  return router.router;
}
