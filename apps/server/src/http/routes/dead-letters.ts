import type { Request, Response } from 'express';
import { z } from 'zod';
import { DeadLetterQuerySchema, DeadLetterSelectionSchema, PatchDeadLetterBodySchema, type DeadLetterSelection } from '@sluice/shared';
import { discardDeadLetters, editDeadLetter, getDeadLetter, listDeadLetters, retryDeadLetters } from '../../storage/dead-letters.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { whoOf } from '../../audit/request.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { SecureRouter } from '../route-table.js';

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

export function deadLetterRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.get('/dead-letters', 'dead_letters:read', async (req, res) => {
    const { flowId, ...query } = parseRequest(AllDeadLettersQuerySchema, req.query, 'query');
    const page = await listDeadLetters(ctx.pool, flowId, query);
    auditDeadLetterList(ctx.audit, req, res, flowId, page.items.length);
    res.json(page);
  });

  router.get('/dead-letters/:id', 'dead_letters:read', async (req, res) => {
    const deadLetter = await getDeadLetter(ctx.pool, String(req.params.id));
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.view', outcome: 'success', resource: { type: 'dead_letter', id: deadLetter.id }, details: { flowId: deadLetter.flowId } });
    res.json(deadLetter);
  });

  router.patch('/dead-letters/:id', 'dead_letters:write', async (req, res) => {
    const body = parseRequest(PatchDeadLetterBodySchema, req.body);
    const deadLetter = await editDeadLetter(ctx.pool, String(req.params.id), body.record);
    // Which record was edited, never what it now holds.
    await ctx.audit.recordRequest(req, res, { action: 'dead_letter.edit', outcome: 'success', resource: { type: 'dead_letter', id: deadLetter.id }, details: { flowId: deadLetter.flowId } });
    res.json(deadLetter);
  });

  router.post('/dead-letters/retry', 'dead_letters:write', async (req, res) => {
    const selection = parseRequest(DeadLetterSelectionSchema, req.body);
    const count = await retryDeadLetters(ctx.pool, selection);
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
