import { AppError, RunQuerySchema, StartRunBodySchema, type RunPage, type RunSource } from '@sluice/shared';
import type { PullCapability } from '@sluice/nodes';
import { getIngestTarget } from '../../storage/flows.js';
import { getRun, listRuns, reopenForMissing, startRun } from '../../storage/runs.js';
import type { ApiContext } from '../context.js';
import { SecureRouter } from '../route-table.js';
import { flowIdParam, parseRequest } from '../validate.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function runIdParam(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new AppError('not_found', `no run with id ${String(value)}`);
  return value.toLowerCase();
}

/** Runs of a flow's pull sources: history, one run, start by hand, fetch the missing keys again. */
export function runRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  /** The deployed flow's pull sources, by node id. */
  const pullSources = async (flowId: string) => {
    const target = await getIngestTarget(ctx.db, flowId);
    if (!target) throw new AppError('not_found', `no flow with id ${flowId}`);
    if (target.status !== 'deployed' || target.version === null) throw new AppError('conflict', 'deploy the flow before starting a run');
    const plan = await ctx.plans.get(flowId, target.version);
    if (!plan) throw new AppError('not_found', `no flow with id ${flowId}`);
    const sources = new Map<string, PullCapability>();
    for (const id of plan.sources) {
      const runtime = plan.nodes.get(id)!.runtime;
      if (runtime.kind === 'source' && runtime.pull) sources.set(id, runtime.pull);
    }
    return { version: target.version, sources };
  };

  router.get('/flows/:id/runs', 'flows:read', async (req, res) => {
    const flowId = flowIdParam(req.params.id);
    const { limit } = parseRequest(RunQuerySchema, req.query, 'query');
    const page: RunPage = { items: await listRuns(ctx.pool, flowId, limit), sources: await runSources(flowId) };
    res.json(page);
  });

  /** The deployed flow's sources that run (none while it is not deployed). */
  const runSources = async (flowId: string): Promise<RunSource[]> => {
    const target = await getIngestTarget(ctx.db, flowId);
    if (!target) throw new AppError('not_found', `no flow with id ${flowId}`);
    if (target.status !== 'deployed' || target.version === null) return [];
    const plan = await ctx.plans.get(flowId, target.version);
    const sources: RunSource[] = [];
    for (const id of plan?.sources ?? []) {
      const node = plan!.nodes.get(id)!;
      if (node.runtime.kind !== 'source') continue;
      const { pull, file } = node.runtime;
      if (pull) sources.push({ nodeId: id, type: node.type.type, mode: 'pull', schedule: pull.settings.schedule ?? null, timezone: pull.settings.timezone ?? null, canRetryMissing: pull.fetchKeys !== undefined });
      else if (file) sources.push({ nodeId: id, type: node.type.type, mode: 'file', schedule: null, timezone: null, canRetryMissing: false });
    }
    return sources;
  };

  router.get('/flows/:id/runs/:runId', 'flows:read', async (req, res) => {
    res.json(await getRun(ctx.pool, flowIdParam(req.params.id), runIdParam(req.params.runId)));
  });

  router.post('/flows/:id/runs', 'flows:deploy', async (req, res) => {
    const flowId = flowIdParam(req.params.id);
    const body = parseRequest(StartRunBodySchema, req.body ?? {});
    const { version, sources } = await pullSources(flowId);
    let nodeId = body.nodeId;
    if (nodeId === undefined) {
      if (sources.size === 0) throw new AppError('conflict', 'this flow has no source that pulls (database, API); runs start on those');
      if (sources.size > 1) throw new AppError('invalid_input', `this flow has ${sources.size} pull sources; name one in nodeId (${[...sources.keys()].join(', ')})`, { details: { path: 'nodeId' } });
      nodeId = [...sources.keys()][0]!;
    }
    const pull = sources.get(nodeId);
    if (!pull) throw new AppError('invalid_input', `node "${nodeId}" is not a pull source of the deployed flow`, { details: { path: 'nodeId' } });
    const run = await startRun(ctx.pool, { flowId, nodeId, version, trigger: 'manual', settings: pull.settings });
    if (!run) throw new AppError('conflict', `the previous run of "${nodeId}" is still going (this source skips overlapping runs)`);
    await ctx.audit.recordRequest(req, res, { action: 'run.start', outcome: 'success', resource: { type: 'flow', id: flowId }, details: { runId: run.id, nodeId, version } });
    res.status(201).json(run);
  });

  router.post('/flows/:id/runs/:runId/retry-missing', 'flows:deploy', async (req, res) => {
    const flowId = flowIdParam(req.params.id);
    const runId = runIdParam(req.params.runId);
    const run = await getRun(ctx.pool, flowId, runId);
    const { sources } = await pullSources(flowId);
    const pull = sources.get(run.nodeId);
    if (!pull?.fetchKeys) throw new AppError('conflict', `source "${run.nodeId}" cannot fetch records by key`);
    const reopened = await reopenForMissing(ctx.pool, flowId, runId, pull.settings.timeoutSeconds);
    await ctx.audit.recordRequest(req, res, { action: 'run.retry_missing', outcome: 'success', resource: { type: 'flow', id: flowId }, details: { runId, nodeId: run.nodeId, missing: run.missing } });
    res.json(reopened);
  });

  return router.router;
}
