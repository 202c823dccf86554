import { z } from 'zod';
import type { RecordError } from '@sluice/shared';
import { defineNode, type PureResult } from '../define.js';
import { compileJsonSchema, summariseProblems } from '../json-schema.js';

export const schemaValidator = defineNode({
  type: 'validate.schema',
  kind: 'validate',
  title: 'JSON Schema',
  summary: 'Checks each record against a JSON Schema; records that fail leave on `invalid` with every reason.',
  category: 'Validate',
  inputs: [{ name: 'in' }],
  outputs: [{ name: 'valid' }, { name: 'invalid', deadLetterWhenUnwired: true }],
  config: z.object({
    schema: z
      .record(z.string(), z.unknown())
      .describe('JSON Schema (draft 2020-12) the record data must satisfy. Formats such as email, date-time and uuid are checked.'),
  }),
  examples: [
    {
      title: 'A customer with an email',
      config: {
        schema: {
          type: 'object',
          required: ['id', 'email'],
          properties: {
            id: { type: 'string' },
            email: { type: 'string', format: 'email' },
            age: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  ],
  create(config) {
    const schema = compileJsonSchema(config.schema, 'schema');
    return {
      kind: 'pure',
      async process(records) {
        const result: PureResult = { outputs: { valid: [], invalid: [] }, failures: [], reasons: new Map<string, RecordError>() };
        for (const record of records) {
          const problems = schema.check(record.data);
          if (problems.length === 0) {
            result.outputs.valid!.push({ ...record });
            continue;
          }
          result.outputs.invalid!.push({ ...record });
          result.reasons!.set(record.id, { kind: 'invalid', message: summariseProblems(problems), failures: problems });
        }
        return result;
      },
    };
  },
});
