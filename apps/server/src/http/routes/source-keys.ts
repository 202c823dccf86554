import { AppError, CreateSourceApiKeyBodySchema } from '@sluice/shared';
import { createSourceKey, listSourceKeys, revokeSourceKey } from '../../ingest/source-keys.js';
import { getFlow } from '../../storage/flows.js';
import type { ApiContext } from '../context.js';
import { principalOf, SecureRouter } from '../route-table.js';
import { flowIdParam, isUuid, parseRequest } from '../validate.js';

/** API keys of a flow's webhook sources: list, create (the key is shown once), revoke. */
export function sourceKeyRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  /** The flow id and a webhook node of its draft graph, from the URL. */
  const source = async (params: Record<string, string | string[] | undefined>) => {
    const flowId = flowIdParam(params.id);
    const nodeId = String(params.nodeId);
    const flow = await getFlow(ctx.db, flowId);
    if (!flow.graph.nodes.some((n) => n.id === nodeId && n.type === 'source.webhook')) {
      throw new AppError('not_found', `the flow has no webhook source "${nodeId}"`, { details: { path: 'nodeId' } });
    }
    return { flowId, nodeId };
  };

  router.get('/flows/:id/sources/:nodeId/keys', 'flows:read', async (req, res) => {
    const { flowId, nodeId } = await source(req.params);
    res.json(await listSourceKeys(ctx.pool, flowId, nodeId));
  });

  router.post('/flows/:id/sources/:nodeId/keys', 'flows:write', async (req, res) => {
    const { flowId, nodeId } = await source(req.params);
    const body = parseRequest(CreateSourceApiKeyBodySchema, req.body);
    const { key, info } = await createSourceKey(ctx.pool, ctx.keyPepper, { flowId, nodeId, name: body.name, createdBy: principalOf(res).user.id });
    ctx.sourceAuth.forgetKeys(flowId, nodeId);
    await ctx.audit.recordRequest(req, res, { action: 'source_key.create', outcome: 'success', resource: { type: 'flow', id: flowId }, details: { nodeId, keyId: info.id, name: info.name } });
    res.status(201).json({ ...info, key });
  });

  router.delete('/flows/:id/sources/:nodeId/keys/:keyId', 'flows:write', async (req, res) => {
    const { flowId, nodeId } = await source(req.params);
    const keyId = String(req.params.keyId);
    if (!isUuid(keyId)) throw new AppError('not_found', `no key with id ${keyId}`);
    const info = await revokeSourceKey(ctx.pool, flowId, nodeId, keyId);
    ctx.sourceAuth.forgetKeys(flowId, nodeId);
    await ctx.audit.recordRequest(req, res, { action: 'source_key.revoke', outcome: 'success', resource: { type: 'flow', id: flowId }, details: { nodeId, keyId, name: info.name } });
    res.status(204).end();
  });

  return router.router;
}
