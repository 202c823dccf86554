import { z } from 'zod';
import { nodeTypes } from '@sluice/nodes';
import { acceptSecretRefs, type NodeTypeInfo } from '@sluice/shared';
import type { ApiContext } from '../context.js';
import { SecureRouter } from '../route-table.js';

/** The palette and settings forms come from here; computed once, node types do not change at run time. */
export function nodeTypeRoutes(ctx: ApiContext) {
  const infos: NodeTypeInfo[] = nodeTypes.map((t) => ({
    type: t.type,
    kind: t.kind,
    title: t.title,
    summary: t.summary,
    category: t.category,
    inputs: t.inputs.map((p) => p.name),
    outputs: t.outputs.map((p) => p.name),
    // Fields marked as able to hold a credential also accept `{ "$secret": name }`.
    configSchema: acceptSecretRefs(z.toJSONSchema(t.config, { io: 'input', unrepresentable: 'any' })) as Record<string, unknown>,
    examples: t.examples.map((e) => ({ title: e.title, config: e.config as Record<string, unknown> })),
  }));
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.get('/node-types', 'flows:read', (_req, res) => {
    res.json(infos);
  });
  return router.router;
}
