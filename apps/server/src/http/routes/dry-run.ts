import { v7 as uuidv7 } from 'uuid';
import { AppError, DRY_RUN_SAMPLE, DryRunBodySchema, type DryRunNode, type EngineRecord } from '@sluice/shared';
import { compileWithSecrets } from '../../compiler/compile-with-secrets.js';
import { validationContextFactory } from '../../engine/connections.js';
import { executeChunk } from '../../engine/execute.js';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';
import { maskersFor, mayReadPii, scrubError, type FlowMasker } from '../../pii/masking.js';

/** A node's samples with the flow's PII fields masked, in place. */
async function maskDryRunNode(node: DryRunNode, masker: FlowMasker): Promise<void> {
  node.input = await masker.mask(node.input);
  for (const [port, sample] of Object.entries(node.outputs)) node.outputs[port] = await masker.mask(sample);
  const records = await masker.mask(node.errors.map((e) => e.record));
  node.errors = node.errors.map((e, i) => ({ record: records[i], error: scrubError(e.error, masker, e.record) }));
}

/** A dry run gives up after this long; the compiled plan runs in memory, so this bounds CPU. */
const DRY_RUN_TIMEOUT_MS = 10_000;

/**
 * `POST /api/dry-run`: runs sample records through an unsaved graph with sinks disabled (they only
 * count what they would have received) and reports, per node, what came in and out of each port.
 */
export function dryRunRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.post('/dry-run', 'flows:write', async (req, res) => {
    const body = parseRequest(DryRunBodySchema, req.body);
    const compiled = await compileWithSecrets(body.graph, validationContextFactory('00000000-0000-4000-8000-000000000000', ctx.logger), ctx.vault);
    if (!compiled.ok) {
      throw new AppError('unprocessable', `fix the flow first: ${compiled.errors[0]!.message}`, { details: { errors: compiled.errors } });
    }
    const plan = compiled.plan;
    const sources = body.sourceNodeId === undefined ? plan.sources : [body.sourceNodeId];
    if (body.sourceNodeId !== undefined && !plan.sources.includes(body.sourceNodeId)) {
      throw new AppError('invalid_input', `node "${body.sourceNodeId}" is not a source of this flow`, { details: { path: 'sourceNodeId' } });
    }
    const nodes = new Map<string, DryRunNode>(
      plan.order.map((id) => [id, { nodeId: id, in: 0, input: [], out: {}, outputs: {}, errors: [] }]),
    );
    const started = Date.now();
    const receivedAt = new Date().toISOString();
    const records: EngineRecord[] = body.records.map((data) => ({ id: uuidv7(), correlationId: 'dry-run', receivedAt, data }));
    const run = async () => {
      for (const source of sources) {
        // The source's own check (a webhook's JSON Schema) would refuse these at ingest: show them as its errors.
        const runtime = plan.nodes.get(source)!.runtime;
        const problems = runtime.kind === 'source' ? runtime.check(body.records) : [];
        const refused = new Set(problems.map((p) => p.index));
        const node = nodes.get(source)!;
        for (const p of problems) {
          if (node.errors.length < DRY_RUN_SAMPLE) node.errors.push({ record: body.records[p.index], error: { kind: 'invalid', message: `${p.path ? `${p.path}: ` : ''}${p.message}` } });
        }
        const accepted = records.filter((_, i) => !refused.has(i));
        if (accepted.length === 0) continue;
        await executeChunk(plan, source, accepted, 0, {
          deliver: false,
          observe: (nodeId, input, outputs, failures) => {
            const node = nodes.get(nodeId)!;
            node.in += input.length;
            for (const r of input) if (node.input.length < DRY_RUN_SAMPLE) node.input.push(r.data);
            for (const [port, sent] of Object.entries(outputs)) {
              node.out[port] = (node.out[port] ?? 0) + sent.length;
              const sample = (node.outputs[port] ??= []);
              for (const r of sent) if (sample.length < DRY_RUN_SAMPLE) sample.push(r.data);
            }
            for (const f of failures) if (node.errors.length < DRY_RUN_SAMPLE) node.errors.push({ record: f.record, error: f.error });
          },
        });
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('unprocessable', `the dry run took longer than ${DRY_RUN_TIMEOUT_MS / 1000} s; try fewer records`)), DRY_RUN_TIMEOUT_MS);
    });
    try {
      await Promise.race([run(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    const masker = body.flowId && !mayReadPii(principalOf(res)) ? (await maskersFor(ctx.pool, [body.flowId])).get(body.flowId) : undefined;
    if (masker) for (const node of nodes.values()) await maskDryRunNode(node, masker);
    res.json({ nodes: [...nodes.values()], durationMs: Date.now() - started });
  });
  return router.router;
}
