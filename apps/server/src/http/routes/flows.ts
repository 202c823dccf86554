import { raw } from 'express';
import { AppError, CreateFlowBodySchema, DeadLetterQuerySchema, FileUploadQuerySchema, MetricsQuerySchema, GraphSchema, UpdateFlowBodySchema, type Issue } from '@sluice/shared';
import { z } from 'zod';
import { compileGraph } from '../../compiler/compile.js';
import { validationContextFactory } from '../../engine/connections.js';
import { createFlow, deleteFlow, deployFlow, getFlow, listFlows, stopFlow, updateFlow } from '../../storage/flows.js';
import { listDeadLetters } from '../../storage/dead-letters.js';
import { loadFlowStats } from '../../storage/stats.js';
import { getFlowMetrics } from '../../storage/metrics.js';
import { isIngestContentType } from '../../ingest/parse-body.js';
import { ingestFile } from '../../ingest/file-upload.js';
import type { ApiContext } from '../context.js';
import { flowIdParam, parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';
import { canReachFlow } from '../../auth/authenticate.js';

const ValidateBodySchema = z.object({ graph: GraphSchema.optional() }).optional();

export function flowRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  const validate = (flowId: string, graph: unknown): Issue[] => {
    const result = compileGraph(graph, validationContextFactory(flowId, ctx.logger));
    return result.errors;
  };

  router.get('/flows', 'flows:read', async (_req, res) => {
    res.json(await listFlows(ctx.db, ctx.pool));
  });

  router.post('/flows', 'flows:write', async (req, res) => {
    const body = parseRequest(CreateFlowBodySchema, req.body);
    res.status(201).json(await createFlow(ctx.db, body));
  });

  router.get('/flows/:id', 'flows:read', async (req, res) => {
    res.json(await getFlow(ctx.db, flowIdParam(req.params.id)));
  });

  router.put('/flows/:id', 'flows:write', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const body = parseRequest(UpdateFlowBodySchema, req.body);
    res.json(await updateFlow(ctx.db, id, body));
  });

  router.delete('/flows/:id', 'flows:write', async (req, res) => {
    const id = flowIdParam(req.params.id);
    await deleteFlow(ctx.db, id);
    ctx.flowChanged(id);
    res.status(204).end();
  });

  /** Validates the saved graph, or the graph in the body (the editor checks unsaved work). */
  router.post('/flows/:id/validate', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const body = parseRequest(ValidateBodySchema, req.body ?? undefined);
    const graph = body?.graph ?? (await getFlow(ctx.db, id)).graph;
    const errors = validate(id, graph);
    res.json({ ok: errors.length === 0, errors });
  });

  router.post('/flows/:id/deploy', 'flows:deploy', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await getFlow(ctx.db, id);
    const errors = validate(id, flow.graph);
    if (errors.length > 0) {
      const nodes = [...new Set(errors.map((e) => e.nodeId).filter(Boolean))];
      throw new AppError(
        'unprocessable',
        `the flow has ${errors.length} error${errors.length === 1 ? '' : 's'}${nodes.length ? `; fix node${nodes.length === 1 ? '' : 's'} ${nodes.map((n) => `"${n}"`).join(', ')}` : ''}: ${errors[0]!.message}`,
        { details: { errors } },
      );
    }
    const version = await deployFlow(ctx.db, id, flow.graph, flow.settings);
    ctx.flowChanged(id);
    res.json({ version });
  });

  router.post('/flows/:id/stop', 'flows:deploy', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await stopFlow(ctx.db, id);
    ctx.flowChanged(id);
    res.json(flow);
  });

  router.post(
    '/flows/:id/ingest',
    'flows:ingest',
    (req, res, next) => {
      // Producers reach only the flows granted to them; say nothing about the others.
      if (!canReachFlow(principalOf(res), String(req.params.id).toLowerCase())) {
        next(new AppError('not_found', `no flow with id ${String(req.params.id)}`));
        return;
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
      const correlation = req.headers['x-correlation-id'];
      const correlationId = typeof correlation === 'string' && correlation.trim() !== '' ? correlation.trim().slice(0, 200) : undefined;
      const source = typeof req.query.source === 'string' ? req.query.source : undefined;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await ctx.ingest.ingest({ flowId, body, contentType: req.headers['content-type'], correlationId, sourceNodeId: source });
      res.status(202).json(result);
    },
  );

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
      const run = await ingestFile(ctx, flowId, source, req);
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
    res.json(await listDeadLetters(ctx.pool, id, query));
  });

  return router.router;
}
