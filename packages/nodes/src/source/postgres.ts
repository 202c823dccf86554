import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { defineNode } from '../define.js';
import { checkPullSettings, pullSettings } from './pull.js';
import { postgresDialect, sqlPull, SqlPullShape } from './sql-pull.js';

export const postgresSource = defineNode({
  type: 'source.postgres',
  kind: 'source',
  title: 'Postgres query',
  summary: 'Reads a query result page by page (keyset pagination on a key column) in runs started by hand or on a schedule, with a count for the completeness check.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z
    .object({
      connectionString: z
        .string()
        .min(1)
        .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
        .meta(SECRET_REF_META)
        .describe('Where to read, e.g. postgresql://user:password@host:5432/db, or a vault secret holding it. Kept secret: never logged nor shown in errors.'),
      ...SqlPullShape,
    })
    .superRefine(checkPullSettings),
  examples: [
    { title: 'Every order, 5,000 at a time', config: { connectionString: 'postgresql://reader:secret@db.example.com:5432/shop', query: 'SELECT id, customer, total FROM orders', keyColumn: 'id' } },
    {
      title: 'Changed customers every night',
      config: {
        connectionString: 'postgresql://reader:secret@db.example.com:5432/crm',
        query: 'SELECT * FROM customers',
        keyColumn: 'id',
        watermarkColumn: 'updated_at',
        schedule: '0 2 * * *',
        timezone: 'Europe/Paris',
        retryMissing: true,
      },
    },
  ],
  create(config, ctx) {
    const { connectionString, ...rest } = config;
    return {
      kind: 'source',
      check: () => [],
      pull: { settings: pullSettings(rest), ...sqlPull(rest, postgresDialect, () => ctx.postgres(connectionString)) },
    };
  },
});
