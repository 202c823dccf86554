import { z } from 'zod';
import { defineNode } from '../define.js';
import { dataPath } from '../path.js';
import { checkPullSettings, PullSettingsShape } from './pull.js';

export const fileSource = defineNode({
  type: 'source.file',
  kind: 'source',
  title: 'File upload',
  summary: 'Takes CSV, NDJSON or JSON-array files uploaded to the flow, or read from a server folder on a schedule (streamed, any size); each file is a run, and a line that cannot be read becomes a dead letter naming its line.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    format: z.enum(['csv', 'ndjson', 'json']).default('csv').describe('csv (the default), ndjson (one JSON value per line) or json (one array of records).'),
    header: z.boolean().default(true).describe('CSV: the first line names the columns. Without it the columns are named col1, col2, … Default true.'),
    delimiter: z
      .string()
      .max(1)
      .default(',')
      .describe('CSV: the field separator, e.g. "," ";" or a tab. Empty: guessed per line among , ; tab |. Default ",". A quoted field may not hold a line break.'),
    coerce: z.boolean().default(true).describe('CSV: numbers, true/false and empty fields become numbers, booleans and null rather than text. Default true.'),
    keyPath: dataPath('Dotted path of the field that identifies a record, e.g. "id". Default none.').optional(),
    timeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600).describe('An upload still going after this many seconds is marked timed out. Default 3600.'),
    folder: z
      .string()
      .max(1000)
      .regex(/^\//, 'an absolute path, e.g. /var/lib/sluice/inbox/orders')
      .optional()
      .describe('A folder on the server to read files from on the schedule (it must be under SLUICE_FILE_ROOT). Each matching file becomes a run, then moves to done/ (or failed/, with a .error.txt beside it). Default: none, files come by upload only.'),
    pattern: z.string().min(1).max(200).default('*.csv').describe('Which files of `folder` to read, as a glob on the file name, e.g. "orders-*.csv". Default "*.csv".'),
    schedule: PullSettingsShape.schedule,
    timezone: PullSettingsShape.timezone,
  }).superRefine((config, ctx) => {
    checkPullSettings(config, ctx);
    if (config.schedule !== undefined && config.folder === undefined) ctx.addIssue({ code: 'custom', path: ['folder'], message: 'a schedule reads a folder: name the folder' });
    if (config.folder !== undefined && config.folder.split('/').includes('..')) ctx.addIssue({ code: 'custom', path: ['folder'], message: 'the folder may not contain ".."' });
  }),
  examples: [
    { title: 'Semicolon CSV with a header', config: { format: 'csv', delimiter: ';' } },
    { title: 'NDJSON export', config: { format: 'ndjson', keyPath: 'id' } },
    { title: 'A drop folder read every 5 minutes', config: { format: 'csv', folder: '/var/lib/sluice/inbox/orders', pattern: 'orders-*.csv', schedule: '*/5 * * * *' } },
  ],
  create(config) {
    return {
      kind: 'source',
      check: () => [],
      file: { format: config.format, header: config.header, delimiter: config.delimiter, coerce: config.coerce, keyPath: config.keyPath, timeoutSeconds: config.timeoutSeconds },
      folder: config.folder === undefined ? undefined : { path: config.folder, pattern: config.pattern, schedule: config.schedule, timezone: config.timezone },
    };
  },
});
