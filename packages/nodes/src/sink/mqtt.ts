import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import { deliverThrough, describeUrl, encodePayload, scrubber } from '../consume.js';
import { defineNode, type SinkOutcome } from '../define.js';
import { RetryPolicySchema } from '../retry.js';
import { MqttUrlSchema } from '../source/mqtt.js';

/** How long to wait for the broker's PUBACK, ms. */
const PUBACK_TIMEOUT_MS = 30_000;

export const mqttSink = defineNode({
  type: 'sink.mqtt',
  kind: 'sink',
  title: 'MQTT',
  summary:
    "Publishes each record's data as JSON to an MQTT topic; at QoS 1 a record counts as delivered when the broker's PUBACK arrives. MQTT 3.1.1 has no message id, so a redelivered record may arrive twice: consumers that care should deduplicate on a field of the data.",
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: z.object({
    url: MqttUrlSchema,
    topic: z.string().min(1).max(65_535).regex(/^[^+#]+$/, 'a topic name without wildcards').describe('The topic to publish to.'),
    qos: z.number().int().min(0).max(1).default(1).describe('1 (the default): wait for the broker\'s PUBACK. 0: fire and forget (delivered means written to the socket).'),
    retain: z.boolean().default(false).describe('Publish as retained messages (the broker keeps the last one for new subscribers). Default false.'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (not connected, no PUBACK in time) is tried again. Default 5 attempts, exponential from 1 s.'),
  }),
  examples: [
    { title: 'Alerts', config: { url: 'mqtt://sluice:secret@broker.example.com:1883', topic: 'alerts/orders' } },
  ],
  create(config, ctx) {
    const scrub = scrubber(config.url);
    const target = `${describeUrl(config.url)} topic "${config.topic}"`;
    const shared = ctx.connection<MqttClient>({
      key: `mqtt ${config.url}`,
      async open() {
        await ctx.checkEgress(config.url);
        const client = mqtt.connect(config.url, { clean: true, connectTimeout: 10_000, reconnectPeriod: 1000, protocolVersion: 4 });
        client.on('error', () => undefined); // reconnects by itself; deliveries meanwhile fail as transient
        await new Promise<void>((resolve, reject) => {
          const failed = (err: Error) => {
            client.end(true);
            reject(err);
          };
          client.once('error', failed);
          client.once('connect', () => {
            client.off('error', failed);
            resolve();
          });
        });
        return client;
      },
      close: (client) => client.endAsync().catch(() => undefined),
    });

    return {
      kind: 'sink',
      retry: config.retry,
      roundSize: 256,
      deliver: deliverThrough(shared, target, scrub, async (client, records) => {
        // Published while disconnected, a message would wait in the client's queue for the reconnect.
        if (!client.connected) return records.map(() => transient(`not connected to ${target} (reconnecting)`));
        return Promise.all(
          records.map(async (record): Promise<SinkOutcome> => {
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<SinkOutcome>((resolve) => {
              timer = setTimeout(() => resolve(transient(`${target} sent no PUBACK within ${PUBACK_TIMEOUT_MS / 1000} s`)), PUBACK_TIMEOUT_MS);
            });
            const publish = client.publishAsync(config.topic, encodePayload(record.data), { qos: config.qos === 1 ? 1 : 0, retain: config.retain }).then(
              (): SinkOutcome => ({ status: 'delivered' }),
              (err: unknown) => transient(`${target}: ${scrub((err as Error).message)}`),
            );
            try {
              return await Promise.race([publish, timeout]);
            } finally {
              clearTimeout(timer);
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
