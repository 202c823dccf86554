import { AppError, CreateFlowBodySchema, DeadLetterQuerySchema, FileUploadQuerySchema, MetricsQuerySchema, GraphSchema, UpdateFlowBodySchema, type Issue, type Run } from '@sluice/shared';
import { z } from 'zod';
import { compileWithSecrets } from '../../compiler/compile-with-secrets.js';
import { validationContextFactory } from '../../engine/connections.js';
import { createFlow, deleteFlow, deployFlow, getFlow, listFlows, stopFlow, updateFlow } from '../../storage/flows.js';
import { listDeadLetters } from '../../storage/dead-letters.js';
import { deadLettersFor } from '../../pii/masking.js';
import { loadFlowStats } from '../../storage/stats.js';
import { getFlowMetrics } from '../../storage/metrics.js';
import { ingestFile } from '../../ingest/file-upload.js';
import type { ApiContext } from '../context.js';
import { flowIdParam, parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';
import { whoOf } from '../../audit/request.js';
import { sourceAuthProblems } from '../../ingest/deploy-checks.js';
import { folderProblems } from '../../ingest/file-folder.js';
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
