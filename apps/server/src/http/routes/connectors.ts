import type { ConnectorStatus, FlowConnectors } from '@sluice/shared';
import { getFlow } from '../../storage/flows.js';
import { listConsumers } from '../../storage/source-consumers.js';
import type { ApiContext } from '../context.js';
import { flowIdParam } from '../validate.js';
import { SecureRouter } from '../route-table.js';

/** Broker sources' connection status, for the editor's node badges and for operators. */
export function connectorRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.get('/flows/:id/connectors', 'flows:read', async (req, res) => {
    const id = flowIdParam(req.params.id);
    const flow = await getFlow(ctx.db, id);
    const version = flow.deployedVersion ?? flow.latestVersion;
    const plan = version === null ? null : await ctx.plans.get(id, version);
    const rows = new Map((await listConsumers(ctx.pool, id)).map((r) => [r.nodeId, r]));
    const deployed = flow.status === 'deployed';
    const connectors: ConnectorStatus[] = [];
    for (const nodeId of plan?.sources ?? []) {
      const node = plan!.nodes.get(nodeId)!;
      if (node.runtime.kind !== 'source' || !node.runtime.consume) continue;
      const row = rows.get(nodeId);
      const base = { nodeId, type: node.type.type };
      if (!deployed) connectors.push({ ...base, state: 'stopped', message: null, worker: null, since: null });
      else if (!row?.held) {
        connectors.push({ ...base, state: 'waiting', message: 'no live worker process holds this source yet (is a worker running?)', worker: null, since: row?.stateSince ?? null });
      } else {
        const state = row.state === 'connected' || row.state === 'reconnecting' || row.state === 'error' ? row.state : 'connecting';
        connectors.push({ ...base, state, message: row.message, worker: row.holder, since: row.stateSince });
      }
    }
    const body: FlowConnectors = { flowId: id, connectors };
    res.json(body);
  });

  return router.router;
}
