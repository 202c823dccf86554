import { z } from 'zod';

export const NodeKindSchema = z.enum(['source', 'transform', 'validate', 'route', 'sink']);
export type NodeKind = z.infer<typeof NodeKindSchema>;

/** What `GET /api/node-types` returns for each type: enough for a palette and a settings form. */
export const NodeTypeInfoSchema = z.object({
  type: z.string(),
  kind: NodeKindSchema,
  title: z.string(),
  summary: z.string(),
  category: z.string(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  configSchema: z.record(z.string(), z.unknown()),
  examples: z.array(z.object({ title: z.string(), config: z.record(z.string(), z.unknown()) })),
});
export type NodeTypeInfo = z.infer<typeof NodeTypeInfoSchema>;
