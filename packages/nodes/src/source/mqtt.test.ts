import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptOutcome, SourceMessage } from '../define.js';
import { build, makeContext } from '../testing.js';
import { mqttSource } from './mqtt.js';

// Against the real Mosquitto on 127.0.0.1:1883, on topics of this file's own.
const URL = 'mqtt://127.0.0.1:1883';
let publisher: MqttClient;

beforeAll(async () => {
  publisher = await mqtt.connectAsync(URL);
});
afterAll(async () => {
  await publisher.endAsync();
});

/** Starts consuming; `stop()` aborts and waits for it to close. */
function start(config: Record<string, unknown>, accept: (m: SourceMessage[]) => Promise<AcceptOutcome>) {
  const runtime = build(mqttSource, { url: URL, ...config });
  if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.mqtt has no consume');
  const abort = new AbortController();
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const running = runtime.consume({ signal: abort.signal, logger: makeContext().logger, accept, connected: () => connected() });
  return { ready: Promise.race([ready, running]), running, stop: async () => (abort.abort(), running) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe('source.mqtt', () => {
  it('batches messages, keys them by keyPath, and PUBACKs only after accept: an unacknowledged message comes back to the same session', async () => {
    const topic = `sluice/test/${randomBytes(5).toString('hex')}`;
    const clientId = `sluice_test_${randomBytes(4).toString('hex')}`;
    const first: SourceMessage[] = [];
    let failNext = false;
    const a = start({ topic, clientId, keyPath: 'id' }, async (messages) => {
      if (failNext) throw new Error('database unreachable');
      first.push(...messages);
      return { deadLettered: 0 };
    });
    await a.ready;
    for (let i = 0; i < 50; i++) await publisher.publishAsync(topic, JSON.stringify({ id: `m${i}` }), { qos: 1 });
    await until(() => first.length >= 50);
    expect(first.map((m) => m.key)).toEqual(Array.from({ length: 50 }, (_, i) => `${topic}/m${i}`));

    // The next message is not committed: its PUBACK is never sent, and the session keeps it.
    failNext = true;
    await publisher.publishAsync(topic, JSON.stringify({ id: 'late' }), { qos: 1 });
    await expect(a.running).rejects.toThrow('database unreachable');

    const second: SourceMessage[] = [];
    const b = start({ topic, clientId, keyPath: 'id' }, async (messages) => (second.push(...messages), { deadLettered: 0 }));
    await b.ready;
    await until(() => second.length >= 1);
    await b.stop();
    expect(second).toEqual([{ key: `${topic}/late`, data: { id: 'late' } }]);
    // Clean the session away.
    await (await mqtt.connectAsync(URL, { clientId, clean: true })).endAsync();
  });
});
