import { raw, type Request, type Response } from 'express';
import { AppError, CreateFlowBodySchema, DeadLetterQuerySchema, FileUploadQuerySchema, MetricsQuerySchema, GraphSchema, UpdateFlowBodySchema, type Issue, type Run } from '@sluice/shared';
import { z } from 'zod';
import { compileWithSecrets } from '../../compiler/compile-with-secrets.js';
import { validationContextFactory } from '../../engine/connections.js';
import { createFlow, deleteFlow, deployFlow, getFlow, listFlows, stopFlow, updateFlow } from '../../storage/flows.js';
import { listDeadLetters } from '../../storage/dead-letters.js';
import { deadLettersFor } from '../../pii/masking.js';
import { loadFlowStats } from '../../storage/stats.js';
import { getFlowMetrics } from '../../storage/metrics.js';
import { isIngestContentType } from '../../ingest/parse-body.js';
import { ingestFile } from '../../ingest/file-upload.js';
import type { ApiContext } from '../context.js';
import { flowIdParam, isUuid, parseRequest } from '../validate.js';
import { maybePrincipalOf, principalOf, SecureRouter } from '../route-table.js';
import { whoOf } from '../../audit/request.js';
import { sourceAuthProblems } from '../../ingest/deploy-checks.js';
import { folderProblems } from '../../ingest/file-folder.js';
import type { WebhookAuth } from '@sluice/nodes';
import { auditDeadLetterList } from './dead-letters.js';
import { canReachFlow } from '../../auth/authenticate.js';

const ValidateBodySchema = z.object({ graph: GraphSchema.optional() }).optional();

export function flowRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  const validate = async (flowId: string, graph: unknown): Promise<Issue[]> => {
    const result = await compileWithSecrets(graph, validationContextFactory(flowId, ctx.logger), ctx.vault);
    return result.errors;
  };

  router.get('/flows', 'flows:read', async (_req, res) => {
    res.json(await listFlows(ctx.db, ctx.pool));
  });

  router.post('/flows', 'flows:write', async (req, res) => {
    const body = parseRequest(CreateFlowBodySchema, req.body);
    const flow = await createFlow(ctx.db, body);
    await ctx.audit.recordRequest(req, res, { action: 'flow.create', outcome: 'success', resource: { type: 'flow', id: flow.id }, details: { name: flow.name } });
    res.status(201).json(flow);
  });

  router.get('/flows/:id', 'flows:read', async (req, res) => {
    res.json(await getFlow(ctx.db, flowIdParam(req.params.id)));
  });

  router.put('/flows/:id', 'flows:write', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const body = parseRequest(UpdateFlowBodySchema, req.body);
    const flow = await updateFlow(ctx.db, id, body);
    await ctx.audit.recordRequest(req, res, { action: 'flow.update', outcome: 'success', resource: { type: 'flow', id }, details: { name: flow.name, nodes: body.nodes.length, edges: body.edges.length } });
    res.json(flow);
  });

  router.delete('/flows/:id', 'flows:write', async (req, res) => {
    const id = flowIdParam(req.params.id);
    await deleteFlow(ctx.db, id);
    ctx.flowChanged(id);
    await ctx.audit.recordRequest(req, res, { action: 'flow.delete', outcome: 'success', resource: { type: 'flow', id } });
    res.status(204).end();
  });

  /** Validates the saved graph, or the graph in the body (the editor checks unsaved work). */
  router.post('/flows/:id/validate', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const body = parseRequest(ValidateBodySchema, req.body ?? undefined);
    const graph = body?.graph ?? (await getFlow(ctx.db, id)).graph;
    const errors = await validate(id, graph);
    res.json({ ok: errors.length === 0, errors });
  });

  router.post('/flows/:id/deploy', 'flows:deploy', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await getFlow(ctx.db, id);
    const errors = await validate(id, flow.graph);
    if (errors.length > 0) {
      const nodes = [...new Set(errors.map((e) => e.nodeId).filter(Boolean))];
      throw new AppError(
        'unprocessable',
        `the flow has ${errors.length} error${errors.length === 1 ? '' : 's'}${nodes.length ? `; fix node${nodes.length === 1 ? '' : 's'} ${nodes.map((n) => `"${n}"`).join(', ')}` : ''}: ${errors[0]!.message}`,
        { details: { errors } },
      );
    }
    const problems = sourceAuthProblems(flow.graph, principalOf(res), ctx.clientCertificates) ?? folderProblems(flow.graph, ctx.fileRoot);
    if (problems) {
      await ctx.audit.recordRequest(req, res, { action: 'flow.deploy', outcome: 'denied', resource: { type: 'flow', id }, details: { reason: problems.error.message } });
      throw problems.error;
    }
    const version = await deployFlow(ctx.db, id, flow.graph, flow.settings);
    ctx.flowChanged(id);
    await ctx.audit.recordRequest(req, res, { action: 'flow.deploy', outcome: 'success', resource: { type: 'flow', id }, details: { version } });
    res.json({ version });
  });

  router.post('/flows/:id/stop', 'flows:deploy', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await stopFlow(ctx.db, id);
    ctx.flowChanged(id);
    await ctx.audit.recordRequest(req, res, { action: 'flow.stop', outcome: 'success', resource: { type: 'flow', id } });
    res.json(flow);
  });

  // A file for the flow's source.file node, sent as the raw body (CSV, NDJSON or a JSON array, as
  // the node says) and read as a stream: any size, bounded memory. Answers with the file's run.
  router.post(
    '/flows/:id/files',
    'flows:ingest',
    (req, res, next) => {
      if (!canReachFlow(principalOf(res), String(req.params.id).toLowerCase())) {
        next(new AppError('not_found', `no flow with id ${String(req.params.id)}`));
        return;
      }
      next();
    },
    async (req, res) => {
      const flowId = flowIdParam(req.params.id);
      const { source } = parseRequest(FileUploadQuerySchema, req.query, 'query');
      // Who sent which file into which flow, and how many records it held: never its contents. Who
      // is taken before the body is read: a file that fails mid-way leaves the request without a socket.
      const who = whoOf(req, res);
      const audited = (outcome: 'success' | 'failure', details: Record<string, unknown>) =>
        ctx.audit.record(who, {
          action: 'file.upload',
          outcome,
          resource: { type: 'flow', id: flowId },
          details: { nodeId: source ?? null, contentType: req.headers['content-type'] ?? null, bytes, ...details },
        });
      // Counted as read: a streamed upload has no Content-Length.
      let bytes = 0;
      const counted = async function* (body: AsyncIterable<Buffer>) {
        for await (const part of body) {
          bytes += part.length;
          yield part;
        }
      };
      let run: Run;
      try {
        run = await ingestFile(ctx, flowId, source, counted(req));
      } catch (err) {
        await audited('failure', { error: err instanceof AppError ? err.code : 'internal' });
        throw err;
      }
      await audited('success', { nodeId: run.nodeId, runId: run.id, status: run.status, fetched: run.fetched, delivered: run.delivered, deadLettered: run.deadLettered });
      res.status(201).json(run);
    },
  );

  router.get('/flows/:id/stats', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await getFlow(ctx.db, id);
    res.json(await loadFlowStats(ctx.pool, id, flow.graph));
  });

  router.get('/flows/:id/metrics', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const query = parseRequest(MetricsQuerySchema, req.query, 'query');
    const flow = await getFlow(ctx.db, id);
    res.json(await getFlowMetrics(ctx.pool, id, flow.graph, query.minutes, query.step));
  });

  router.get('/flows/:id/dead-letters', 'dead_letters:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    await getFlow(ctx.db, id);
    const query = parseRequest(DeadLetterQuerySchema, req.query, 'query');
    const page = await listDeadLetters(ctx.pool, ctx.vault.keyring, id, query);
    auditDeadLetterList(ctx.audit, req, res, id, page.items.length);
    res.json({ ...page, items: await deadLettersFor(ctx.pool, principalOf(res), page.items) });
  });

  return router.router;
}

/**
 * POST /flows/:id/ingest on a router of its own, mounted ahead of every other router: the ingest hot
 * path then matches on the first layer instead of walking every route of the API. Same guard, same
 * declaration in the route table, same checks and audit as any other route.
 */
export function flowIngestRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  /** Refuses an ingest request from a source's credentials: 401, audited (bounded per source and address). */
  const refuseSource = (req: Request, res: Response, flowId: string, nodeId: string | null, authType: string, reason: string, message: string): AppError => {
    const who = whoOf(req, res, null);
    ctx.audit.recordBounded(`ingest:${flowId}:${nodeId ?? ''}:${who.sourceIp ?? ''}:${reason}`, who, {
      action: 'ingest.denied',
      outcome: 'failure',
      resource: { type: 'flow', id: flowId },
      details: { source: nodeId, auth: authType, reason },
    });
    // The producer may well be right: the identity provider could not be asked. Try again, not "you are wrong".
    if (reason === 'jwks_unavailable') return new AppError('unavailable', message, { details: { reason }, headers: { 'Retry-After': '30' } });
    return new AppError('unauthorized', message, { details: { reason } });
  };

  router.ingest(
    '/flows/:id/ingest',
    'flows:ingest',
    async (req, res, next) => {
      const flowId = String(req.params.id).toLowerCase();
      const principal = maybePrincipalOf(res);
      if (principal) {
        // Producers reach only the flows granted to them; say nothing about the others.
        if (!canReachFlow(principal, flowId)) {
          ctx.audit.recordBounded(`ingest:${principal.user.id}:${flowId}`, whoOf(req, res), { action: 'ingest.denied', outcome: 'denied', resource: { type: 'flow', id: flowId }, details: { reason: 'flow_not_granted' } });
          next(new AppError('not_found', `no flow with id ${String(req.params.id)}`));
          return;
        }
      } else {
        // No Sluice credentials: the source's own. An unknown flow or source gets the same 401.
        const sourceNode = typeof req.query.source === 'string' ? req.query.source : undefined;
        const source = isUuid(flowId) ? await ctx.ingest.sourceAuth(flowId, sourceNode) : null;
        if (!source || !source.auth) {
          next(refuseSource(req, res, flowId, source?.nodeId ?? null, 'unknown', 'no_credentials', 'send the source’s credentials, or a Sluice API token as `Authorization: Bearer <token>`'));
          return;
        }
        const check = await ctx.sourceAuth.beforeBody(flowId, source.nodeId, source.auth, req.headers, req.socket);
        if (check === 'needs-body') res.locals.sourceHmac = { nodeId: source.nodeId, auth: source.auth };
        else if (!check.ok) {
          next(refuseSource(req, res, flowId, source.nodeId, source.auth.type, check.reason, check.message));
          return;
        }
      }
      // Refuse other media types before reading a byte of the body.
      if (!isIngestContentType(req.headers['content-type'])) {
        next(new AppError('unsupported_media_type', `send application/json or application/x-ndjson, not "${req.headers['content-type'] ?? 'nothing'}"`));
        return;
      }
      next();
    },
    raw({ type: () => true, limit: ctx.ingestLimitBytes }),
    async (req, res) => {
      const flowId = flowIdParam(req.params.id);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const hmac = res.locals.sourceHmac as { nodeId: string; auth: Extract<WebhookAuth, { type: 'hmac' }> } | undefined;
      let signatureKey: string | null = null;
      if (hmac) {
        const check = await ctx.sourceAuth.checkHmac(flowId, hmac.nodeId, hmac.auth, req.headers, body);
        if (!check.ok) throw refuseSource(req, res, flowId, hmac.nodeId, 'hmac', check.reason, check.message);
        signatureKey = check.signatureKey;
      }
      const correlation = req.headers['x-correlation-id'];
      const correlationId = typeof correlation === 'string' && correlation.trim() !== '' ? correlation.trim().slice(0, 200) : undefined;
      const source = typeof req.query.source === 'string' ? req.query.source : undefined;
      try {
        const result = await ctx.ingest.ingest({ flowId, body, contentType: req.headers['content-type'], correlationId, sourceNodeId: source });
        res.status(202).json(result);
      } catch (err) {
        // Refused before anything was written (429, a bad body): the producer may send the same signed
        // request again. Not after an internal or database error, where a commit may have happened.
        if (signatureKey && err instanceof AppError && err.code !== 'internal' && err.code !== 'unavailable') await ctx.sourceAuth.releaseSignature(signatureKey).catch((releaseErr: unknown) => ctx.logger.warn({ err: releaseErr }, 'could not release an ingest signature'));
        throw err;
      }
    },
  );

  return router.router;
}
