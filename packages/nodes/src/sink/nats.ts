import { connect, headers, type NatsConnection } from 'nats';
import { z } from 'zod';
import { deliverThrough, encodePayload, scrubber } from '../consume.js';
import { defineNode, type SinkOutcome } from '../define.js';
import { RetryPolicySchema } from '../retry.js';
import { NatsServersSchema, natsServers } from '../source/nats.js';

/** How long to wait for a JetStream PubAck, ms. */
const PUB_ACK_TIMEOUT_MS = 10_000;

export const natsSink = defineNode({
  type: 'sink.nats',
  kind: 'sink',
  title: 'NATS JetStream',
  summary:
    "Publishes records to a JetStream subject and counts one delivered when the stream's acknowledgement (PubAck) arrives. The record id is the message id (Nats-Msg-Id), so the stream drops a redelivery within its duplicate window.",
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: z.object({
    servers: NatsServersSchema,
    subject: z.string().min(1).max(255).regex(/^[^*>\s]+$/, 'a subject without wildcards or spaces').describe('The subject to publish on; a stream must capture it.'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (lost connection, no stream answering, no acknowledgement in time) is tried again. Default 5 attempts, exponential from 1 s.'),
  }),
  examples: [
    { title: 'Accepted orders', config: { servers: 'nats://nats.example.com:4222', subject: 'orders.accepted' } },
  ],
  create(config, ctx) {
    const servers = natsServers(config.servers);
    const scrub = scrubber(...servers.list);
    const target = `${servers.describe} subject "${config.subject}"`;
    const shared = ctx.connection<NatsConnection>({
      key: `nats ${config.servers}`,
      async open() {
        for (const server of servers.list) await ctx.checkEgress(server);
        const nc = await connect({ servers: servers.list, timeout: 10_000, name: 'sluice sink.nats', maxReconnectAttempts: -1, ignoreClusterUpdates: true });
        void nc.closed().then(() => shared.discard(nc));
        return nc;
      },
      close: (nc) => nc.drain().catch(() => nc.close()),
    });

    return {
      kind: 'sink',
      retry: config.retry,
      roundSize: 256,
      deliver: deliverThrough(shared, servers.describe, scrub, async (nc, records) => {
        const js = nc.jetstream({ timeout: PUB_ACK_TIMEOUT_MS });
        return Promise.all(
          records.map(async (record): Promise<SinkOutcome> => {
            const h = headers();
            h.set('Sluice-Correlation-Id', record.correlationId);
            try {
              await js.publish(config.subject, encodePayload(record.data), { msgID: record.id, headers: h, timeout: PUB_ACK_TIMEOUT_MS });
              return { status: 'delivered' };
            } catch (err) {
              const message = scrub((err as Error).message ?? String(err));
              const hint = /503|no responders/i.test(message) ? ' (no stream captures this subject?)' : '';
              return transient(`${target}: ${message}${hint}`);
            }
          }),
        );
      }),
    };
  },
});

function transient(message: string): SinkOutcome {
  return { status: 'transient', error: { kind: 'exhausted', message } };
}
