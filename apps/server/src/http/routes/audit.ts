import { AuditQuerySchema } from '@sluice/shared';
import { queryAudit } from '../../audit/store.js';
import type { ApiContext } from '../context.js';
import { SecureRouter } from '../route-table.js';
import { parseRequest } from '../validate.js';

/** The audit log, newest first, for admins. */
export function auditRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.get('/audit', 'audit:read', async (req, res) => {
    const query = parseRequest(AuditQuerySchema, req.query, 'query');
    res.json(await queryAudit(ctx.pool, query));
  });

  return router.router;
}
