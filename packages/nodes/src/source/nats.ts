import { AckPolicy, connect, nanos, type JsMsg, type NatsConnection } from 'nats';
import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { messageOf, PayloadFormatSchema, scrubber } from '../consume.js';
import { defineNode } from '../define.js';

export const NatsServersSchema = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^(nats|tls|wss?):\/\/[^,\s]+(,\s*(nats|tls|wss?):\/\/[^,\s]+)*$/, 'one or more nats:// URLs, separated by commas')
  .meta(SECRET_REF_META)
  .describe('The NATS servers, comma-separated, e.g. nats://user:password@nats-1.example.com:4222,nats://nats-2.example.com:4222. Passwords are never logged nor shown in errors.');

/** How long one pull waits for messages, ms: also how long stopping can take. */
const FETCH_EXPIRES_MS = 1000;

/** The servers as a list, and their description without credentials. */
export function natsServers(servers: string): { list: string[]; describe: string } {
  const list = servers.split(',').map((s) => s.trim());
  return { list, describe: list.map((s) => s.replace(/\/\/[^@/]*@/, '//')).join(',') };
}

export const natsSource = defineNode({
  type: 'source.nats',
  kind: 'source',
  title: 'NATS JetStream',
  summary:
    "Pulls messages from a JetStream stream through a durable consumer and acknowledges each only after Sluice has committed it. The stream sequence becomes the record id, so a redelivered message is written once by idempotent sinks.",
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    servers: NatsServersSchema,
    stream: z.string().min(1).max(255).regex(/^[^.*>\s]+$/, 'a stream name: no spaces, dots, * or >').describe('The JetStream stream to read. It must exist.'),
    subject: z.string().min(1).max(255).describe('Only messages on this subject (wildcards * and > allowed) are taken: the durable consumer\'s filter.'),
    durable: z.string().min(1).max(255).regex(/^[^.*>\s]+$/, 'a consumer name: no spaces, dots, * or >').describe('The durable consumer, created (explicit acks, from the start of the stream) when missing. Its position survives restarts.'),
    format: PayloadFormatSchema,
    batchSize: z.number().int().min(1).max(10_000).default(500).describe('Messages pulled and committed at once. Default 500.'),
    ackWaitMs: z
      .number()
      .int()
      .min(1000)
      .max(86_400_000)
      .default(30_000)
      .describe('How long the server waits for an acknowledgement before delivering a message again (set when the consumer is created), ms. Default 30000.'),
  }),
  examples: [
    { title: 'Orders', config: { servers: 'nats://nats.example.com:4222', stream: 'ORDERS', subject: 'orders.>', durable: 'sluice' } },
    { title: 'Two servers, quick redelivery', config: { servers: 'nats://a.example.com:4222,nats://b.example.com:4222', stream: 'EVENTS', subject: 'events.created', durable: 'etl', ackWaitMs: 10_000 } },
  ],
  create(config, create) {
    const scrub = scrubber(...natsServers(config.servers).list);
    const servers = natsServers(config.servers);
    const where = `${servers.describe} stream "${config.stream}"`;
    return {
      kind: 'source',
      check: () => [],
      async consume(ctx) {
        for (const server of servers.list) await create.checkEgress(server);
        let nc: NatsConnection;
        try {
          // No reconnects of its own: a lost connection fails the call, and the server reconnects with backoff.
          nc = await connect({ servers: servers.list, reconnect: false, timeout: 10_000, name: 'sluice source.nats', ignoreClusterUpdates: true });
        } catch (err) {
          throw new Error(`cannot connect to ${servers.describe}: ${scrub((err as Error).message)}`, { cause: err });
        }
        try {
          const jsm = await nc.jetstreamManager();
          try {
            await jsm.streams.info(config.stream);
          } catch (err) {
            throw new Error(`${where}: ${scrub((err as Error).message)}`, { cause: err });
          }
          const existing = await jsm.consumers.info(config.stream, config.durable).catch(() => null);
          if (!existing) {
            await jsm.consumers.add(config.stream, {
              durable_name: config.durable,
              ack_policy: AckPolicy.Explicit,
              filter_subject: config.subject,
              ack_wait: nanos(config.ackWaitMs),
              max_ack_pending: Math.max(1000, config.batchSize * 2),
            });
          } else if (existing.config.filter_subject !== config.subject) {
            throw new Error(`${where}: the durable consumer "${config.durable}" filters "${existing.config.filter_subject ?? '(all subjects)'}", not "${config.subject}"; pick another durable name`);
          }
          const consumer = await nc.jetstream().consumers.get(config.stream, config.durable);
          ctx.connected();
          while (!ctx.signal.aborted && !nc.isClosed()) {
            const pulled: JsMsg[] = [];
            for await (const m of await consumer.fetch({ max_messages: config.batchSize, expires: FETCH_EXPIRES_MS })) pulled.push(m);
            if (pulled.length === 0) continue;
            // A body that cannot become a record is committed as a dead letter: every message is acknowledged after the commit.
            await ctx.accept(pulled.map((message) => messageOf(message.data, config.format, `${config.stream}/${message.seq}`)));
            for (const message of pulled) message.ack();
            await nc.flush();
          }
          if (!ctx.signal.aborted) throw new Error(`lost the connection to ${servers.describe}`);
        } catch (err) {
          if (ctx.signal.aborted) return;
          const message = scrub((err as Error).message ?? String(err));
          throw message.includes(servers.describe) ? err : new Error(`${where}: ${message}`, { cause: err });
        } finally {
          await nc.close().catch(() => undefined);
        }
      },
    };
  },
});
