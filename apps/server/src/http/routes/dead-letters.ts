import { Router } from 'express';
import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterSelectionSchema, PatchDeadLetterBodySchema } from '@sluice/shared';
import { discardDeadLetters, editDeadLetter, getDeadLetter, listDeadLetters, retryDeadLetters } from '../../storage/dead-letters.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';

const AllDeadLettersQuerySchema = DeadLetterQuerySchema.extend({ flowId: z.string().uuid().optional() });

export function deadLetterRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/dead-letters', async (req, res) => {
    const { flowId, ...query } = parseRequest(AllDeadLettersQuerySchema, req.query, 'query');
    res.json(await listDeadLetters(ctx.pool, flowId, query));
  });

  router.get('/dead-letters/:id', async (req, res) => {
    res.json(await getDeadLetter(ctx.pool, req.params.id));
  });

  router.patch('/dead-letters/:id', async (req, res) => {
    const body = parseRequest(PatchDeadLetterBodySchema, req.body);
    res.json(await editDeadLetter(ctx.pool, req.params.id, body.record));
  });

  router.post('/dead-letters/retry', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await retryDeadLetters(ctx.pool, selection) });
  });

  router.post('/dead-letters/discard', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await discardDeadLetters(ctx.pool, selection) });
  });

  return router;
}
