import { Redis } from 'ioredis';
import { z } from 'zod';
import { deliverThrough, describeUrl, scrubber } from '../consume.js';
import { defineNode, type SinkOutcome } from '../define.js';
import { RetryPolicySchema } from '../retry.js';
import { RedisUrlSchema } from '../source/redis.js';

/**
 * Adds the entry unless this record id was added within the dedupe window, atomically: the marker
 * is set only after XADD succeeded, so a failed add is never remembered as done.
 * KEYS: stream, marker. ARGV: dedupe seconds (0: off), maxLen (0: none), id, correlation id, data.
 */
const ADD_ONCE = `
if tonumber(ARGV[1]) > 0 and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'id', ARGV[3], 'correlationId', ARGV[4], 'data', ARGV[5])
else
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3], 'correlationId', ARGV[4], 'data', ARGV[5])
end
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end
return 1`;

export const redisSink = defineNode({
  type: 'sink.redis',
  kind: 'sink',
  title: 'Redis Streams',
  summary:
    'Appends each record to a Redis stream (XADD) as the fields id, correlationId and data (JSON). A record id already added within the dedupe window is not added again, so a redelivery writes one entry.',
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: z.object({
    url: RedisUrlSchema,
    stream: z.string().min(1).max(1024).describe('The stream key to append to (created by the first XADD).'),
    maxLen: z.number().int().min(0).max(1_000_000_000).default(0).describe('Trim the stream to about this many entries (MAXLEN ~). Default 0: never trimmed.'),
    dedupeSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(86_400)
      .describe('How long a record id is remembered (a small key per record) so a redelivered record is not appended twice, in seconds. 0 turns deduplication off. Default 86400 (a day).'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (lost connection, timeout) is tried again. Default 5 attempts, exponential from 1 s.'),
  }),
  examples: [
    { title: 'Orders stream, trimmed', config: { url: 'redis://:secret@redis.example.com:6379/0', stream: 'orders.accepted', maxLen: 1_000_000 } },
    { title: 'No deduplication', config: { url: 'redis://127.0.0.1:6379', stream: 'events', dedupeSeconds: 0 } },
  ],
  create(config, ctx) {
    const scrub = scrubber(config.url);
    const target = `${describeUrl(config.url)} stream "${config.stream}"`;
    const shared = ctx.connection<Redis>({
      key: `redis ${config.url}`,
      async open() {
        await ctx.checkEgress(config.url);
        // Fail fast while disconnected (the engine retries the records); ioredis reconnects in the background.
        const redis = new Redis(config.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 10_000, commandTimeout: 30_000 });
        redis.on('error', () => undefined);
        redis.on('end', () => shared.discard(redis));
        try {
          await redis.connect();
        } catch (err) {
          redis.disconnect(); // no background reconnects for a client nobody holds
          throw err;
        }
        return redis;
      },
      close: async (redis) => {
        await redis.quit().catch(() => redis.disconnect());
      },
    });

    return {
      kind: 'sink',
      retry: config.retry,
      roundSize: 500,
      deliver: deliverThrough(shared, target, scrub, async (redis, records) => {
        const pipeline = redis.pipeline();
        for (const r of records) {
          pipeline.eval(ADD_ONCE, 2, config.stream, `sluice:dedupe:${config.stream}:${r.id}`, config.dedupeSeconds, config.maxLen, r.id, r.correlationId, JSON.stringify(r.data ?? null));
        }
        let results: [Error | null, unknown][] | null;
        try {
          results = await pipeline.exec();
        } catch (err) {
          return records.map(() => transient(`${target}: ${scrub((err as Error).message)}`));
        }
        return records.map((_, i): SinkOutcome => {
          const error = results?.[i]?.[0];
          if (!results?.[i]) return transient(`${target} gave no answer`);
          if (!error) return { status: 'delivered' };
          // WRONGTYPE (the key is not a stream) and script errors are the configuration's, not the network's.
          const message = `${target}: ${scrub(error.message)}`;
          return /WRONGTYPE|ERR/.test(error.message) ? { status: 'permanent', error: { kind: 'permanent', message } } : transient(message);
        });
      }),
    };
  },
});

function transient(message: string): SinkOutcome {
  return { status: 'transient', error: { kind: 'exhausted', message } };
}
