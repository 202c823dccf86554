import { z } from 'zod';
import { defineNode } from '../define.js';
import { compileJsonSchema } from '../json-schema.js';

export const webhookSource = defineNode({
  type: 'source.webhook',
  kind: 'source',
  title: 'Webhook',
  summary: "Accepts records posted to the flow's ingest URL, optionally checking each body against a JSON Schema.",
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('JSON Schema (draft 2020-12) every ingested record body must satisfy; a request with a failing record is answered 400. Default: none, any JSON is accepted.'),
  }),
  examples: [
    { title: 'Accept any JSON', config: {} },
    {
      title: 'Orders with an id and items',
      config: {
        schema: {
          type: 'object',
          required: ['id', 'items'],
          properties: {
            id: { type: 'string', minLength: 1 },
            email: { type: 'string', format: 'email' },
            items: { type: 'array', minItems: 1, items: { type: 'object', required: ['sku', 'qty'] } },
          },
        },
      },
    },
  ],
  create(config) {
    const schema = config.schema === undefined ? undefined : compileJsonSchema(config.schema, 'schema');
    return {
      kind: 'source',
      check(data) {
        if (!schema) return [];
        return data.flatMap((body, index) => schema.check(body).map((problem) => ({ index, ...problem })));
      },
    };
  },
});
