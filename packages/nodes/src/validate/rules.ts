import { z } from 'zod';
import type { RecordError } from '@sluice/shared';
import { defineNode, type PureResult } from '../define.js';
import { compileExpression, NOT_DIRECT } from '../jsonata.js';

export const rulesValidator = defineNode({
  type: 'validate.rules',
  kind: 'validate',
  title: 'Business rules',
  summary: 'Checks each record against named JSONata rules; records that break any leave on `invalid`, naming every broken rule.',
  category: 'Validate',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'valid' }, { name: 'invalid', deadLetterWhenUnwired: true }],
  config: z
    .object({
      rules: z
        .array(
          z
            .object({
              name: z.string().min(1).max(100).describe('Short unique name of the rule, shown in dead letters, e.g. "total-matches-items".'),
              expression: z
                .string()
                .min(1)
                .max(20_000)
                .describe('JSONata expression evaluated against the record data; the rule holds only when it returns true. Any other result, or an evaluation error, breaks it.'),
              message: z.string().min(1).max(500).describe('What an analyst reads when the rule is broken, e.g. "total does not match the items".'),
            })
            .describe('One rule.'),
        )
        .min(1)
        .max(200)
        .describe('The rules; every one is evaluated for every record, so a dead letter lists all that were broken.'),
    })
    .superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.rules.forEach((rule, i) => {
        if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name "${rule.name}" is used twice` });
        seen.add(rule.name);
      });
    }),
  examples: [
    {
      title: 'Order totals add up',
      config: {
        rules: [
          { name: 'total-matches-items', expression: '$abs(total - $sum(items.(price * qty))) <= 0.01', message: 'total does not match the sum of the items' },
          { name: 'has-items', expression: '$count(items) > 0', message: 'an order needs at least one item' },
        ],
      },
    },
  ],
  create(config) {
    const rules = config.rules.map((rule, i) => ({ ...rule, expr: compileExpression(rule.expression, `rules.${i}.expression`) }));
    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { valid: [], invalid: [] }, failures: [], reasons: new Map<string, RecordError>() };
        for (const record of records) {
          const broken: { rule: string; message: string }[] = [];
          for (const rule of rules) {
            try {
              let value = rule.expr.evaluateDirect(record.data);
              if (value === NOT_DIRECT) value = await rule.expr.evaluate(record.data);
              if (value !== true) broken.push({ rule: rule.name, message: rule.message });
            } catch (err) {
              broken.push({ rule: rule.name, message: `${rule.message} (evaluation error: ${(err as Error).message})` });
            }
          }
          if (broken.length === 0) {
            result.outputs.valid!.push({ ...record });
            continue;
          }
          result.outputs.invalid!.push({ ...record });
          const names = broken.map((b) => b.rule).join(', ');
          result.reasons!.set(record.id, {
            kind: 'invalid',
            message: `broke ${broken.length} of ${rules.length} rule${rules.length === 1 ? '' : 's'}: ${names}`,
            failures: broken,
          });
        }
        return result;
      },
    };
  },
});
