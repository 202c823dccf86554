import { Router } from 'express';
import type { ApiContext } from '../context.js';

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    try {
      await ctx.pool.query('SELECT 1');
      res.json({ status: 'ok', db: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', db: `unreachable: ${(err as Error).message}` });
    }
  });
  return router;
}
