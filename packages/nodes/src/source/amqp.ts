import amqp, { type ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { aborted, describeUrl, MessageBatcher, messageOf, PayloadFormatSchema, scrubber } from '../consume.js';
import { defineNode } from '../define.js';

export const AmqpUrlSchema = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^amqps?:\/\//, 'an amqp:// or amqps:// URL')
  .meta(SECRET_REF_META)
  .describe('The broker, e.g. amqp://user:password@rabbit.example.com:5672/vhost. Its password is never logged nor shown in errors.');

export const amqpSource = defineNode({
  type: 'source.amqp',
  kind: 'source',
  title: 'RabbitMQ',
  summary:
    "Consumes a RabbitMQ (AMQP 0-9-1) queue and acknowledges each message only after Sluice has committed it (a body it cannot read as a record becomes a dead letter at this node). A message's message-id becomes its record id, so a redelivered message is written once by idempotent sinks.",
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    url: AmqpUrlSchema,
    queue: z.string().min(1).max(255).describe('The queue to consume. It must exist (declared by whoever owns it); Sluice does not declare it.'),
    prefetch: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(500)
      .describe('Messages the broker sends ahead of acknowledgement; also the largest batch committed at once. Default 500.'),
    format: PayloadFormatSchema,
  }),
  examples: [
    { title: 'Orders queue', config: { url: 'amqp://sluice:secret@rabbit.example.com:5672/%2F', queue: 'orders' } },
    { title: 'Plain-text log lines, small batches', config: { url: 'amqps://rabbit.example.com', queue: 'logs', prefetch: 50, format: 'text' } },
  ],
  create(config, create) {
    const scrub = scrubber(config.url);
    const broker = `${describeUrl(config.url)} queue "${config.queue}"`;
    return {
      kind: 'source',
      check: () => [],
      async consume(ctx) {
        await create.checkEgress(config.url);
        let connection: amqp.ChannelModel;
        try {
          connection = await amqp.connect(config.url, { timeout: 10_000 });
        } catch (err) {
          throw new Error(`cannot connect to ${broker}: ${scrub((err as Error).message)}`, { cause: err });
        }
        let batcher: MessageBatcher<ConsumeMessage> | null = null;
        try {
          const lost = new Promise<never>((_, reject) => {
            connection.on('error', () => undefined); // 'close' follows with the reason
            connection.on('close', (err?: Error) => reject(new Error(`lost the connection to ${broker}${err ? `: ${scrub(err.message)}` : ''}`)));
          });
          lost.catch(() => undefined);
          const channel = await connection.createChannel();
          const channelClosed = new Promise<never>((_, reject) => {
            let reason = '';
            channel.on('error', (err: Error) => {
              reason = `: ${scrub(err.message)}`;
            });
            channel.on('close', () => reject(new Error(`the channel to ${broker} closed${reason}`)));
          });
          channelClosed.catch(() => undefined);
          await Promise.race([channel.checkQueue(config.queue), channelClosed]);
          await channel.prefetch(config.prefetch);

          const active = new MessageBatcher<ConsumeMessage>(config.prefetch, async (batch) => {
            // A body that cannot become a record is committed as a dead letter: every message is acknowledged after the commit.
            await ctx.accept(batch.map((message) => messageOf(message.content, config.format, typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined)));
            for (const message of batch) channel.ack(message);
          });
          batcher = active;
          let cancelled: (err: Error) => void = () => undefined;
          const cancelledByBroker = new Promise<never>((_, reject) => {
            cancelled = reject;
          });
          cancelledByBroker.catch(() => undefined);
          await channel.consume(
            config.queue,
            (message) => (message === null ? cancelled(new Error(`the broker cancelled the consumer of ${broker} (queue deleted?)`)) : active.push(message)),
            { noAck: false },
          );
          ctx.connected();
          await Promise.race([aborted(ctx.signal), active.failed, lost, channelClosed, cancelledByBroker]);
        } finally {
          // The batch being committed is acknowledged before the connection closes; the broker
          // requeues whatever was delivered and not acknowledged.
          await batcher?.stop();
          await connection.close().catch(() => undefined);
        }
      },
    };
  },
});
