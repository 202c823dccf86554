import { z } from 'zod';
import { defineNode } from '../define.js';
import { dataPath } from '../path.js';

export const fileSource = defineNode({
  type: 'source.file',
  kind: 'source',
  title: 'File upload',
  summary: 'Takes CSV, NDJSON or JSON-array files uploaded to the flow (streamed, any size); each upload is a run, and a line that cannot be read becomes a dead letter naming its line.',
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
  }),
  examples: [
    { title: 'Semicolon CSV with a header', config: { format: 'csv', delimiter: ';' } },
    { title: 'NDJSON export', config: { format: 'ndjson', keyPath: 'id' } },
  ],
  create(config) {
    return {
      kind: 'source',
      check: () => [],
      file: { format: config.format, header: config.header, delimiter: config.delimiter, coerce: config.coerce, keyPath: config.keyPath, timeoutSeconds: config.timeoutSeconds },
    };
  },
});
