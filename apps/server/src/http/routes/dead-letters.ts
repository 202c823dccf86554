import type { Request, Response } from 'express';
import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterSelectionSchema, PatchDeadLetterBodySchema, type DeadLetterSelection } from '@sluice/shared';
import { discardDeadLetters, editDeadLetter, getDeadLetter, listDeadLetters, retryDeadLetters } from '../../storage/dead-letters.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { whoOf } from '../../audit/request.js';
import { deadLettersFor, maskersFor, mayReadPii, restoreMaskedValues } from '../../pii/masking.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';

const AllDeadLettersQuerySchema = DeadLetterQuerySchema.extend({ flowId: z.string().uuid().optional() });

/** Who looked at dead letters (they hold records): one entry per caller, flow and minute, however often the page refreshes. */
export function auditDeadLetterList(audit: AuditLog, req: Request, res: Response, flowId: string | undefined, count: number): void {
  const who = whoOf(req, res);
  audit.recordBounded(`dead_letter.view:${who.userId}:${flowId ?? '*'}`, who, {
    action: 'dead_letter.view',
    outcome: 'success',
    resource: { type: flowId ? 'flow' : 'dead_letters', id: flowId ?? null },
    details: { list: true, count },
  });
}

/** What a retry or discard selected, for the audit log: ids (at most 100 listed) or the filter. */
function selectionDetails(selection: DeadLetterSelection, count: number): Record<string, unknown> {
  if ('ids' in selection) return { count, ids: selection.ids.slice(0, 100), idCount: selection.ids.length };
  return { count, filter: selection };
}

// Records are shown with the flow's PII fields masked to callers without pii:read (see pii/masking.ts).
export function deadLetterRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  const keyring = ctx.vault.keyring;

  router.get('/dead-letters', 'dead_letters:read', async (req, res) => {
    const { flowId, ...query } = parseRequest(AllDeadLettersQuerySchema, req.query, 'query');
    const page = await listDeadLetters(ctx.pool, keyring, flowId, query);
    auditDeadLetterList(ctx.audit, req, res, flowId, page.items.length);
    res.json({ ...page, items: await deadLettersFor(ctx.pool, principalOf(res), page.items) });
  });

  router.get('/dead-letters/:id', 'dead_letters:read', async (req, res) => {
    const deadLetter = await getDeadLetter(ctx.pool, keyring, String(req.params.id));
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.view', outcome: 'success', resource: { type: 'dead_letter', id: deadLetter.id }, details: { flowId: deadLetter.flowId } });
    const [item] = await deadLettersFor(ctx.pool, principalOf(res), [deadLetter]);
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
    const deadLetter = await editDeadLetter(ctx.pool, keyring, id, record);
    // Which record was edited, never what it now holds.
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.edit', outcome: 'success', resource: { type: 'dead_letter', id: deadLetter.id }, details: { flowId: deadLetter.flowId } });
    const [item] = await deadLettersFor(ctx.pool, principal, [deadLetter]);
    res.json(item);
  });

  router.post('/dead-letters/retry', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    const count = await retryDeadLetters(ctx.pool, keyring, selection);
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.retry', outcome: 'success', resource: { type: 'dead_letters' }, details: selectionDetails(selection, count) });
    res.json({ count });
  });

  router.post('/dead-letters/discard', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    const count = await discardDeadLetters(ctx.pool, selection);
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.discard', outcome: 'success', resource: { type: 'dead_letters' }, details: selectionDetails(selection, count) });
    res.json({ count });
  });

  return router.router;
}
