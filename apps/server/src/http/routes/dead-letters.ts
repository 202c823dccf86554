import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterSelectionSchema, PatchDeadLetterBodySchema } from '@sluice/shared';
import { discardDeadLetters, editDeadLetter, getDeadLetter, listDeadLetters, retryDeadLetters } from '../../storage/dead-letters.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { SecureRouter } from '../route-table.js';

const AllDeadLettersQuerySchema = DeadLetterQuerySchema.extend({ flowId: z.string().uuid().optional() });

export function deadLetterRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.get('/dead-letters', 'dead_letters:read', async (req, res) => {
    const { flowId, ...query } = parseRequest(AllDeadLettersQuerySchema, req.query, 'query');
    res.json(await listDeadLetters(ctx.pool, flowId, query));
  });

  router.get('/dead-letters/:id', 'dead_letters:read', async (req, res) => {
    res.json(await getDeadLetter(ctx.pool, String(req.params.id)));
  });

  router.patch('/dead-letters/:id', 'dead_letters:write', async (req, res) => {
    const body = parseRequest(PatchDeadLetterBodySchema, req.body);
    res.json(await editDeadLetter(ctx.pool, String(req.params.id), body.record));
  });

  router.post('/dead-letters/retry', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await retryDeadLetters(ctx.pool, selection) });
  });

  router.post('/dead-letters/discard', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await discardDeadLetters(ctx.pool, selection) });
  });

  return router.router;
}
