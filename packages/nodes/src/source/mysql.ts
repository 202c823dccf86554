import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { defineNode } from '../define.js';
import { checkPullSettings, pullSettings } from './pull.js';
import { mysqlDialect, sqlPull, SqlPullShape } from './sql-pull.js';

export const mysqlSource = defineNode({
  type: 'source.mysql',
  kind: 'source',
  title: 'MySQL / MariaDB query',
  summary: 'Reads a MySQL or MariaDB query result page by page (keyset pagination on a key column) in runs started by hand or on a schedule.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z
    .object({
      connectionString: z
        .string()
        .min(1)
        .regex(/^(mysql|mariadb):\/\//, 'a mysql:// URL')
        .meta(SECRET_REF_META)
        .describe('Where to read, e.g. mysql://user:password@host:3306/db, or a vault secret holding it. Kept secret: never logged nor shown in errors.'),
      ...SqlPullShape,
    })
    .superRefine(checkPullSettings),
  examples: [
    { title: 'Every product', config: { connectionString: 'mysql://reader:secret@db.example.com:3306/shop', query: 'SELECT sku, name, price FROM products', keyColumn: 'sku' } },
  ],
  create(config, ctx) {
    const { connectionString, ...rest } = config;
    return {
      kind: 'source',
      check: () => [],
      pull: { settings: pullSettings(rest), ...sqlPull(rest, mysqlDialect, () => ctx.mysql(connectionString)) },
    };
  },
});
