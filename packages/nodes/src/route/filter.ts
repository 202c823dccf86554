import { z } from 'zod';
import { defineNode, type PureResult } from '../define.js';
import { compileExpression, NOT_DIRECT } from '../jsonata.js';

export const filterRoute = defineNode({
  type: 'route.filter',
  kind: 'route',
  title: 'Filter',
  summary: 'Sends each record to `match` when a JSONata condition holds, else to `else`.',
  category: 'Route',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'match' }, { name: 'else' }],
  config: z.object({
    expression: z
      .string()
      .min(1)
      .max(20_000)
      .describe('JSONata condition evaluated against the record data. A truthy result in JSONata terms (see $boolean: not false, 0, "", an empty array or object, or nothing) sends the record to `match`; anything else to `else`.'),
  }),
  examples: [
    { title: 'Large orders', config: { expression: 'total >= 1000' } },
    { title: 'Has an email', config: { expression: '$exists(email) and email != ""' } },
  ],
  create(config) {
    const expr = compileExpression(config.expression, 'expression');
    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { match: [], else: [] }, failures: [] };
        for (const record of records) {
          try {
            let value = expr.evaluateDirect(record.data);
            if (value === NOT_DIRECT) value = await expr.evaluate(record.data);
            const port = isTruthy(value) ? 'match' : 'else';
            result.outputs[port]!.push({ ...record });
          } catch (err) {
            result.failures.push({ record, error: { kind: 'transform', message: `filter expression failed: ${(err as Error).message}` } });
          }
        }
        return result;
      },
    };
  },
});

/**
 * JSONata's own truthiness ($boolean), not JavaScript's: an expression such as `items[price > 100]`
 * yields an array, and an empty array must mean "no match".
 */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return false; // functions
}
