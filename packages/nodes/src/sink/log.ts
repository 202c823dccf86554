import { z } from 'zod';
import { defineNode, type RetryPolicy } from '../define.js';
import { createMasker } from '../transform/mask.js';

/** Longest data text written per record, in characters: a log line is for a glance, not an archive. */
export const LOG_DATA_LIMIT = 1024;

/** Logging cannot fail in a way a retry would fix. */
const NO_RETRY: RetryPolicy = { strategy: 'fixed', maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

export const logSink = defineNode({
  type: 'sink.log',
  kind: 'sink',
  title: 'Log',
  summary: "Writes each record to the server log; handy while building a flow. Always delivers.",
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: z.object({
    level: z.enum(['info']).default('info').describe('Log level of the lines written. Default info (the only level for now).'),
    includeData: z
      .boolean()
      .default(false)
      .describe(`Also log the record data (as JSON, cut at ${LOG_DATA_LIMIT} characters), not only its id and correlation id. Default false: logs are kept and shipped widely, and record data may hold personal details.`),
  }),
  examples: [
    { title: 'Log record ids only', config: {} },
    { title: 'Log records with their data (no personal details in them)', config: { includeData: true } },
  ],
  create(config, ctx) {
    // A flow that declares PII fields never logs them unmasked.
    const mask = config.includeData && ctx.pii && ctx.pii.length > 0 ? createMasker(ctx.pii, ctx.salt) : null;
    return {
      kind: 'sink',
      retry: NO_RETRY,
      async deliver(records) {
        const data = mask ? await mask(records.map((r) => r.data)) : null;
        for (const [i, record] of records.entries()) {
          const line: Record<string, unknown> = { flowId: ctx.flowId, nodeId: ctx.nodeId, id: record.id, correlationId: record.correlationId };
          if (config.includeData) Object.assign(line, dataForLog(data ? data[i] : record.data));
          ctx.logger.info(line, 'record');
        }
        return records.map(() => ({ status: 'delivered' as const }));
      },
    };
  },
});

function dataForLog(data: unknown): { data: string; truncated?: true } {
  const text = JSON.stringify(data) ?? 'undefined';
  return text.length > LOG_DATA_LIMIT ? { data: `${text.slice(0, LOG_DATA_LIMIT)}…`, truncated: true } : { data: text };
}
