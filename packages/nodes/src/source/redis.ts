import { Redis } from 'ioredis';
import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { describeUrl, messageOf, PayloadFormatSchema, scrubber } from '../consume.js';
import { defineNode, type ConsumeContext, type SourceMessage } from '../define.js';

export const RedisUrlSchema = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
  .meta(SECRET_REF_META)
  .describe('The Redis server, e.g. redis://:password@redis.example.com:6379/0. Its password is never logged nor shown in errors.');

/** How long one XREADGROUP waits for new entries, ms: also how long stopping can take. */
const BLOCK_MS = 1000;
/** How often to look for entries a dead consumer left pending, ms. */
const CLAIM_EVERY_MS = 5000;

/** One stream entry: its id and its field-value pairs (null when the entry was deleted while pending). */
type Entry = [id: string, fields: string[] | null];

export const redisSource = defineNode({
  type: 'source.redis',
  kind: 'source',
  title: 'Redis Streams',
  summary:
    'Reads a Redis stream through a consumer group (XREADGROUP) and acknowledges entries (XACK) only after Sluice has committed them; entries a dead consumer left pending are claimed (XAUTOCLAIM). The entry id becomes the record id.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    url: RedisUrlSchema,
    stream: z.string().min(1).max(1024).describe('The stream key.'),
    group: z.string().min(1).max(255).describe('The consumer group. Created (from the start of the stream, and the stream with it) when missing.'),
    consumer: z.string().min(1).max(255).default('sluice').describe('This consumer\'s name in the group; after a restart it first re-reads the entries it had not acknowledged. Default "sluice".'),
    field: z.string().min(1).max(255).default('data').describe('The entry field holding the message body, read with `format`. An entry without it becomes a record of all its fields (as strings). Default "data".'),
    format: PayloadFormatSchema,
    batchSize: z.number().int().min(1).max(10_000).default(500).describe('Entries read and committed at once. Default 500.'),
    claimIdleMs: z
      .number()
      .int()
      .min(0)
      .max(86_400_000)
      .default(60_000)
      .describe("Entries pending on another consumer of the group for longer than this (ms) are claimed: that consumer is taken for dead. Default 60000."),
  }),
  examples: [
    { title: 'Orders stream', config: { url: 'redis://:secret@redis.example.com:6379/0', stream: 'orders', group: 'sluice' } },
    { title: 'Claim quickly, small batches', config: { url: 'redis://127.0.0.1:6379', stream: 'events', group: 'etl', batchSize: 100, claimIdleMs: 10_000 } },
  ],
  create(config, create) {
    const scrub = scrubber(config.url);
    // Shows in CLIENT LIST, so an operator can tell which flow a connection belongs to.
    const connectionName = `sluice:${create.flowId}:${create.nodeId}`.replace(/[^\x21-\x7e]/g, '_');
    const where = `${describeUrl(config.url)} stream "${config.stream}" group "${config.group}"`;

    return {
      kind: 'source',
      check: () => [],
      async consume(ctx) {
        await create.checkEgress(config.url);
        // No reconnects of its own: a lost connection fails the call, and the server reconnects with backoff.
        const redis = new Redis(config.url, { connectionName, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 10_000 });
        redis.on('error', () => undefined); // each failed command rejects with the reason
        const fail = (what: string, err: unknown) => new Error(`${what} ${where}: ${scrub((err as Error).message ?? String(err))}`, { cause: err });
        try {
          await redis.connect().catch((err: unknown) => {
            throw fail('cannot connect to', err);
          });
          await redis.call('XGROUP', 'CREATE', config.stream, config.group, '0', 'MKSTREAM').catch((err: unknown) => {
            if (!/BUSYGROUP/.test((err as Error).message)) throw fail('cannot create the consumer group of', err);
          });
          ctx.connected();
          // '0' re-reads this consumer's own pending entries (left by a previous run), then '>' reads new ones.
          let cursor = '0';
          let claimedAt = 0;
          while (!ctx.signal.aborted) {
            if (Date.now() - claimedAt > CLAIM_EVERY_MS) {
              claimedAt = Date.now();
              await claimAbandoned(redis, ctx);
            }
            const entries = parseRead(await redis.call('XREADGROUP', 'GROUP', config.group, config.consumer, 'COUNT', config.batchSize, ...(cursor === '>' ? ['BLOCK', BLOCK_MS] : []), 'STREAMS', config.stream, cursor));
            if (cursor !== '>' && entries.length === 0) cursor = '>';
            await handle(redis, entries, ctx);
          }
        } catch (err) {
          if (ctx.signal.aborted) return;
          throw err instanceof Error && err.message.includes(where) ? err : fail('lost', err);
        } finally {
          redis.disconnect();
        }
      },
    };

    /** Takes over entries other consumers of the group left pending for longer than `claimIdleMs`. */
    async function claimAbandoned(redis: Redis, ctx: ConsumeContext): Promise<void> {
      let start = '0-0';
      do {
        const reply = await redis.call('XAUTOCLAIM', config.stream, config.group, config.consumer, config.claimIdleMs, start, 'COUNT', config.batchSize);
        if (!Array.isArray(reply)) return;
        start = String(reply[0]);
        const entries = (reply[1] as unknown[]).filter(isEntry);
        if (entries.length > 0) ctx.logger.warn({ entries: entries.length }, 'claimed entries another consumer left pending');
        await handle(redis, entries, ctx);
      } while (start !== '0-0' && !ctx.signal.aborted);
    }

    async function handle(redis: Redis, entries: Entry[], ctx: ConsumeContext): Promise<void> {
      if (entries.length === 0) return;
      const taken: SourceMessage[] = [];
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        ids.push(id);
        if (fields === null) continue; // deleted from the stream while pending: nothing to take
        taken.push(toMessage(`${config.stream}/${id}`, fields));
      }
      // An entry that cannot become a record is committed as a dead letter: every entry is acknowledged after the commit.
      await ctx.accept(taken);
      await redis.xack(config.stream, config.group, ...ids);
    }

    function toMessage(key: string, fields: string[]): SourceMessage {
      const pairs = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) pairs.set(fields[i]!, fields[i + 1]!);
      const body = pairs.get(config.field);
      if (body !== undefined) return messageOf(Buffer.from(body), config.format, key);
      return { key, data: Object.fromEntries(pairs) };
    }
  },
});

function isEntry(value: unknown): value is Entry {
  return Array.isArray(value) && typeof value[0] === 'string' && (value[1] === null || (Array.isArray(value[1]) && value[1].every((f) => typeof f === 'string')));
}

/**
 * XREADGROUP's reply for one stream: [[stream, entries]] as Redis sends it, or [stream, entries] as
 * ioredis 6 flattens a single stream's reply; null when nothing came.
 */
function parseRead(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const streamReply: unknown = typeof reply[0] === 'string' ? reply : reply[0];
  if (!Array.isArray(streamReply) || !Array.isArray(streamReply[1])) return [];
  return (streamReply[1] as unknown[]).filter(isEntry);
}
