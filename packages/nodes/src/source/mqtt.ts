import { createHash } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { SECRET_REF_META } from '@sluice/shared';
import { aborted, describeUrl, messageOf, MessageBatcher, PayloadFormatSchema, scrubber } from '../consume.js';
import { defineNode, type SourceMessage } from '../define.js';
import { dataPath, getPath } from '../path.js';

export const MqttUrlSchema = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^(mqtts?|wss?):\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL')
  .meta(SECRET_REF_META)
  .describe('The broker, e.g. mqtt://user:password@broker.example.com:1883. Its password is never logged nor shown in errors.');

/** Mosquitto sends at most 20 unacknowledged QoS 1 messages by default: batches are rarely larger. */
const MAX_BATCH = 1000;

/** A message waiting for its commit, and how to acknowledge it then. */
interface Pending {
  packet: IPublishPacket;
  /** Sends the PUBACK (QoS 1) on the connection the message came on; nothing for QoS 0. */
  settle(): void;
}

export const mqttSource = defineNode({
  type: 'source.mqtt',
  kind: 'source',
  title: 'MQTT',
  summary:
    'Subscribes to an MQTT topic with a persistent session (clean session off, a stable client id) at QoS 1, and sends each PUBACK only after Sluice has committed the message, so the broker delivers again whatever was not committed.',
  category: 'Sources',
  inputs: [],
  outputs: [{ name: 'out' }],
  config: z.object({
    url: MqttUrlSchema,
    topic: z.string().min(1).max(65_535).describe('The topic filter to subscribe to; wildcards + and # are allowed.'),
    qos: z
      .number()
      .int()
      .min(0)
      .max(1)
      .default(1)
      .describe('1 (the default): at least once, acknowledged after the commit. 0: at most once, nothing is acknowledged and a message in flight during a crash is lost.'),
    clientId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('The MQTT client id, which names the persistent session on the broker. Default: derived from the flow and node, the same on every worker, so the session survives a move to another worker.'),
    keyPath: dataPath('Dotted path of a field of the message that identifies it, e.g. "id". MQTT 3.1.1 gives a message no id of its own: with this set, a message delivered again after a crash becomes the same record. Default: none (a redelivery may be written twice).').optional(),
    format: PayloadFormatSchema,
  }),
  examples: [
    { title: 'Sensor readings', config: { url: 'mqtt://sluice:secret@broker.example.com:1883', topic: 'sensors/+/temperature', keyPath: 'readingId' } },
    { title: 'Best effort (QoS 0)', config: { url: 'mqtts://broker.example.com:8883', topic: 'telemetry/#', qos: 0 } },
  ],
  create(config, create) {
    const scrub = scrubber(config.url);
    const where = `${describeUrl(config.url)} topic "${config.topic}"`;
    // 23 characters at most: the longest id every MQTT 3.1.1 broker must accept.
    const clientId = config.clientId ?? `sluice_${createHash('sha256').update(`${create.flowId}/${create.nodeId}`).digest('hex').slice(0, 16)}`;

    return {
      kind: 'source',
      check: () => [],
      async consume(ctx) {
        await create.checkEgress(config.url);
        // No reconnects of its own: a lost connection fails the call, and the server reconnects with backoff.
        const client = mqtt.connect(config.url, { clientId, clean: false, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
        const batcher = new MessageBatcher<Pending>(MAX_BATCH, async (batch) => {
          const messages = batch.map(({ packet }): SourceMessage => {
            const message = messageOf(packet.payload as Uint8Array, config.format, undefined);
            if (!('data' in message) || config.keyPath === undefined) return message;
            const key = getPath(message.data, config.keyPath);
            return key === undefined || key === null ? message : { key: `${config.topic}/${String(typeof key === 'object' ? JSON.stringify(key) : key)}`, data: message.data };
          });
          // A body that cannot become a record is committed as a dead letter: every message is acknowledged after the commit.
          await ctx.accept(messages);
          // PUBACKs in the order the messages came, as MQTT requires.
          for (const pending of batch) pending.settle();
        });
        // mqtt.js sends a QoS 1 PUBACK as soon as handleMessage calls back, and handles the next
        // message only then. Calling back with an error skips its PUBACK but lets the next message
        // in, so a batch can gather; the PUBACK is sent by hand after the commit.
        client.handleMessage = (packet, callback) => {
          if (packet.qos === 1 && packet.messageId !== undefined) {
            const messageId = packet.messageId;
            batcher.push({ packet, settle: () => sendPuback(client, messageId) });
            callback(new Error('PUBACK deferred until the commit'));
          } else {
            batcher.push({ packet, settle: () => undefined });
            callback();
          }
        };
        const lost = new Promise<never>((_, reject) => {
          let reason = '';
          client.on('error', (err) => {
            reason = scrub(err.message);
            reject(new Error(`${where}: ${reason}`));
          });
          client.on('close', () => reject(new Error(`lost the connection to ${where}${reason ? `: ${reason}` : ''}`)));
        });
        lost.catch(() => undefined);
        try {
          await Promise.race([new Promise<void>((resolve) => client.once('connect', () => resolve())), lost]);
          const granted = await Promise.race([client.subscribeAsync(config.topic, { qos: config.qos === 1 ? 1 : 0 }), lost]);
          if (granted.some((g) => g.qos === 128)) throw new Error(`${where}: the broker refused the subscription`);
          ctx.connected();
          await Promise.race([aborted(ctx.signal), batcher.failed, lost]);
        } finally {
          await batcher.stop();
          await client.endAsync(true).catch(() => undefined);
        }
      },
    };
  },
});

/**
 * The PUBACK for one message, on the connection it came on (a message id means nothing on another
 * connection). mqtt.js has no public call for it; `_sendPacket` is what its own handler uses.
 */
function sendPuback(client: MqttClient, messageId: number): void {
  if (!client.connected) return; // the broker delivers it again on the next connection
  const send: (packet: { cmd: 'puback'; messageId: number }) => void = client['_sendPacket'].bind(client);
  send({ cmd: 'puback', messageId });
}
