import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterSelectionSchema, PatchDeadLetterBodySchema } from '@sluice/shared';
import { discardDeadLetters, editDeadLetter, getDeadLetter, listDeadLetters, retryDeadLetters } from '../../storage/dead-letters.js';
import { deadLettersFor, maskersFor, mayReadPii, restoreMaskedValues } from '../../pii/masking.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';

const AllDeadLettersQuerySchema = DeadLetterQuerySchema.extend({ flowId: z.string().uuid().optional() });

// Records are shown with the flow's PII fields masked to callers without pii:read (see pii/masking.ts).
export function deadLetterRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  const keyring = ctx.vault.keyring;

  router.get('/dead-letters', 'dead_letters:read', async (req, res) => {
    const { flowId, ...query } = parseRequest(AllDeadLettersQuerySchema, req.query, 'query');
    const page = await listDeadLetters(ctx.pool, keyring, flowId, query);
    res.json({ ...page, items: await deadLettersFor(ctx.pool, principalOf(res), page.items) });
  });

  router.get('/dead-letters/:id', 'dead_letters:read', async (req, res) => {
    const [item] = await deadLettersFor(ctx.pool, principalOf(res), [await getDeadLetter(ctx.pool, keyring, String(req.params.id))]);
    res.json(item);
  });

  router.patch('/dead-letters/:id', 'dead_letters:write', async (req, res) => {
    const body = parseRequest(PatchDeadLetterBodySchema, req.body);
    const principal = principalOf(res);
    const id = String(req.params.id);
    let record: unknown = body.record;
    if (!mayReadPii(principal)) {
      // They edited the masked record: keep the stored values of the PII fields they left masked.
      const current = await getDeadLetter(ctx.pool, keyring, id);
      const masker = (await maskersFor(ctx.pool, [current.flowId])).get(current.flowId);
      if (masker) record = await restoreMaskedValues(masker, current.record, body.record);
    }
    const [item] = await deadLettersFor(ctx.pool, principal, [await editDeadLetter(ctx.pool, keyring, id, record)]);
    res.json(item);
  });

  router.post('/dead-letters/retry', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await retryDeadLetters(ctx.pool, keyring, selection) });
  });

  router.post('/dead-letters/discard', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    res.json({ count: await discardDeadLetters(ctx.pool, selection) });
  });

  return router.router;
}
