import amqp from 'amqplib';
import { z } from 'zod';
import type { EngineRecord } from '@sluice/shared';
import { deliverThrough, describeUrl, encodePayload, scrubber } from '../consume.js';
import { defineNode, type SinkOutcome } from '../define.js';
import { RetryPolicySchema } from '../retry.js';
import { AmqpUrlSchema } from '../source/amqp.js';

/** How long to wait for the broker's confirms of one round before calling it a transient failure. */
const CONFIRM_TIMEOUT_MS = 30_000;

/** A connection and confirm channel shared by every sink.amqp runtime on the same URL. */
interface Publisher {
  connection: amqp.ChannelModel;
  channel: amqp.ConfirmChannel;
  /** Message ids the broker returned as unroutable (reported before their confirm). */
  returned: Set<string>;
  /** Why the channel or connection closed, once it has. */
  closedBecause: string | null;
}

export const amqpSink = defineNode({
  type: 'sink.amqp',
  kind: 'sink',
  title: 'RabbitMQ',
  summary:
    'Publishes records to a RabbitMQ exchange with publisher confirms: a record counts as delivered once the broker has taken responsibility for it. The message id is the record id, for consumers that deduplicate.',
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: z.object({
    url: AmqpUrlSchema,
    exchange: z.string().max(255).default('').describe('The exchange to publish to. Default "" (the default exchange, which routes to the queue named by the routing key). It must exist.'),
    routingKey: z.string().max(255).describe('The routing key of every message (with the default exchange: the queue name).'),
    persistent: z.boolean().default(true).describe('Mark messages persistent, so a durable queue keeps them across a broker restart. Default true.'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (lost connection, unroutable message, no confirm in time) is tried again. Default 5 attempts, exponential from 1 s.'),
  }),
  examples: [
    { title: 'Into a queue via the default exchange', config: { url: 'amqp://sluice:secret@rabbit.example.com:5672', routingKey: 'orders.accepted' } },
    { title: 'Onto a topic exchange', config: { url: 'amqps://rabbit.example.com', exchange: 'events', routingKey: 'order.created', persistent: false } },
  ],
  create(config, ctx) {
    const scrub = scrubber(config.url);
    const target = `${describeUrl(config.url)} exchange "${config.exchange}" routing key "${config.routingKey}"`;
    const shared = ctx.connection<Publisher>({
      key: `amqp ${config.url}`,
      async open() {
        await ctx.checkEgress(config.url);
        const connection = await amqp.connect(config.url, { timeout: 10_000 });
        const publisher: Publisher = { connection, channel: await connection.createConfirmChannel(), returned: new Set(), closedBecause: null };
        const closed = (why: string) => {
          publisher.closedBecause ??= why;
          shared.discard(publisher);
        };
        connection.on('error', (err: Error) => closed(scrub(err.message)));
        connection.on('close', () => closed('the connection closed'));
        publisher.channel.on('error', (err: Error) => closed(scrub(err.message)));
        publisher.channel.on('close', () => closed('the channel closed'));
        publisher.channel.on('return', (message: amqp.Message) => {
          if (typeof message.properties.messageId === 'string') publisher.returned.add(message.properties.messageId);
        });
        return publisher;
      },
      close: (publisher) => publisher.connection.close().catch(() => undefined),
    });

    return {
      kind: 'sink',
      retry: config.retry,
      roundSize: 256,
      deliver: deliverThrough(shared, target, scrub, publish),
    };

    async function publish(publisher: Publisher, records: EngineRecord[]): Promise<SinkOutcome[]> {
      const { channel } = publisher;
      const confirms = records.map(
        (record) =>
          new Promise<SinkOutcome>((resolve) => {
            const options = {
              messageId: record.id,
              correlationId: record.correlationId,
              contentType: 'application/json',
              persistent: config.persistent,
              // Unroutable messages come back (basic.return) instead of vanishing after a confirm.
              mandatory: true,
            };
            try {
              channel.publish(config.exchange, config.routingKey, encodePayload(record.data), options, (err: unknown) => {
                if (err) return resolve(transient(`${target} did not confirm: ${publisher.closedBecause ?? scrub(String((err as Error).message ?? err))}`));
                if (publisher.returned.delete(record.id)) return resolve(transient(`${target}: no queue is bound for this routing key, the broker returned the message`));
                resolve({ status: 'delivered' });
              });
            } catch (err) {
              resolve(transient(`cannot publish to ${target}: ${publisher.closedBecause ?? scrub((err as Error).message)}`));
            }
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<SinkOutcome[]>((resolve) => {
        timer = setTimeout(() => resolve(records.map(() => transient(`${target} sent no confirm within ${CONFIRM_TIMEOUT_MS / 1000} s`))), CONFIRM_TIMEOUT_MS);
      });
      try {
        return await Promise.race([Promise.all(confirms), timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
  },
});

function transient(message: string): SinkOutcome {
  return { status: 'transient', error: { kind: 'exhausted', message } };
}
