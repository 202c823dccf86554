import { QUALITY_WINDOWS } from '@sluice/shared';
import { getFlow } from '../../storage/flows.js';
import { flowQuality } from '../../storage/quality.js';
import type { ApiContext } from '../context.js';
import { flowIdParam } from '../validate.js';
import { SecureRouter } from '../route-table.js';

/** A flow's data quality over 5 min, 1 h and 24 h, with its targets. */
export function qualityRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.get('/flows/:id/quality', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await getFlow(ctx.db, id);
    const quality = await flowQuality(ctx.pool, [{ id, graph: flow.graph, settings: flow.settings }], QUALITY_WINDOWS);
    res.json(quality.get(id));
  });
  return router.router;
}
