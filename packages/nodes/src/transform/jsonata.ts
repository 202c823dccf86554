import { z } from 'zod';
import { defineNode, type PureResult } from '../define.js';
import { compileExpression, NOT_DIRECT, plainJson } from '../jsonata.js';

export const jsonataTransform = defineNode({
  type: 'transform.jsonata',
  kind: 'transform',
  title: 'JSONata',
  summary: "Replaces each record's data with the result of a JSONata expression.",
  category: 'Transform',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'out' }],
  config: z.object({
    expression: z.string().min(1).max(20_000).describe('JSONata expression evaluated against the record data; its result becomes the new data.'),
  }),
  examples: [{ title: 'Pick and rename', config: { expression: '{ "order_id": id, "total": $sum(items.(price * qty)) }' } }],
  create(config) {
    const expr = compileExpression(config.expression, 'expression');
    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { out: [] }, failures: [] };
        for (const record of records) {
          try {
            let data = expr.evaluateDirect(record.data);
            if (data === NOT_DIRECT) data = await expr.evaluate(record.data);
            if (data === undefined) {
              result.failures.push({ record, error: { kind: 'transform', message: 'the expression produced nothing for this record' } });
              continue;
            }
            result.outputs.out!.push({ ...record, data: plainJson(data) });
          } catch (err) {
            result.failures.push({ record, error: { kind: 'transform', message: `expression failed: ${(err as Error).message}` } });
          }
        }
        return result;
      },
    };
  },
});
