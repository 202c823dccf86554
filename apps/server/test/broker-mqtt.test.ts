import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { brokerToPostgres, exited, expectEachOnce, expectPoisonDeadLetteredAndRetried, killAll, rowCount, startWorkerProcess, uniqueName, waitForConnector, webhookToBroker } from './brokers.js';

const URL = 'mqtt://127.0.0.1:1883';
const MESSAGES = 10_000;
/**
 * Mosquitto queues at most 1000 QoS 1 messages per subscriber by default and drops the rest, so the
 * test publishes no further ahead of what Sluice has written than this.
 */
const WINDOW = 500;

describe('MQTT (Mosquitto): source.mqtt and sink.mqtt against the real broker', () => {
  let t: TestSluice;
  let publisher: MqttClient;
  const children: ChildProcess[] = [];
  /** Persistent sessions the sources left on the broker (their client ids), removed at the end. */
  const sessions: string[] = [];

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    publisher = await mqtt.connectAsync(URL, { clean: true });
  });
  afterAll(async () => {
    await killAll(children);
    for (const clientId of sessions) await (await mqtt.connectAsync(URL, { clientId, clean: true })).endAsync().catch(() => undefined);
    await publisher?.endAsync();
    await t?.stop();
  });

  /** Publishes messages seq from..to-1 at QoS 1, never more than WINDOW ahead of the rows in `table`. */
  async function publishPaced(topic: string, table: string, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i += 100) {
      await waitFor('Sluice to catch up with the publisher', async () => (i - (await rowCount(t, table)) <= WINDOW ? true : undefined), 60_000, 50);
      await Promise.all(Array.from({ length: Math.min(100, to - i) }, (_, j) => publisher.publishAsync(topic, JSON.stringify({ seq: i + j }), { qos: 1 })));
    }
  }

  it('takes 10,000 messages into Postgres exactly once, and a worker killed with SIGKILL mid-way loses none', { timeout: 240_000 }, async () => {
    const topic = `${uniqueName('sluice_mqtt_src')}/readings`;
    const table = uniqueName('mqtt_in');
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.mqtt', config: { url: URL, topic, keyPath: 'seq' } }, t.databaseUrl, table));
    // The source's default client id, derived from the flow and node.
    sessions.push(`sluice_${createHash('sha256').update(`${flow.id}/in`).digest('hex').slice(0, 16)}`);
    const first = startWorkerProcess(t.databaseUrl, { SLUICE_CONSUMER_LEASE_MS: '5000' });
    children.push(first.child);
    // The session must exist before anything is published: MQTT keeps messages only for subscribers.
    await waitForConnector(t, flow.id, 'in', 'the first worker to subscribe', (c) => c.state === 'connected', 60_000);
    await publishPaced(topic, table, 0, 3000);
    // Killed while messages are still arriving, with fewer than WINDOW of them not yet written.
    await waitFor('the first worker to write most of them', async () => ((await rowCount(t, table)) >= 3000 - WINDOW ? true : undefined), 60_000, 20);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(await rowCount(t, table)).toBeLessThan(MESSAGES);
    // While no worker runs, the broker keeps the messages for the persistent session.
    await Promise.all(Array.from({ length: WINDOW }, (_, j) => publisher.publishAsync(topic, JSON.stringify({ seq: 3000 + j }), { qos: 1 })));

    const second = startWorkerProcess(t.databaseUrl, { SLUICE_CONSUMER_LEASE_MS: '5000' });
    children.push(second.child);
    await publishPaced(topic, table, 3000 + WINDOW, MESSAGES);
    await waitFor('every message in the table', async () => ((await rowCount(t, table)) >= MESSAGES ? true : undefined), 120_000, 250);
    await expectEachOnce(t, table, MESSAGES);
    const connector = await waitForConnector(t, flow.id, 'in', 'the connector connected in the second worker', (c) => c.state === 'connected');
    expect(connector.worker).toContain(`:${second.child.pid}:`);
    // Nothing more arrives: every message was acknowledged, none is delivered again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await rowCount(t, table)).toBe(MESSAGES);
  });

  it('a message that is not JSON among good ones becomes one dead letter at the source (acknowledged), editable and retryable', { timeout: 120_000 }, async () => {
    const topic = `${uniqueName('sluice_mqtt_poison')}/readings`;
    const table = uniqueName('mqtt_poison');
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.mqtt', config: { url: URL, topic, keyPath: 'seq' } }, t.databaseUrl, table));
    sessions.push(`sluice_${createHash('sha256').update(`${flow.id}/in`).digest('hex').slice(0, 16)}`);
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    await waitForConnector(t, flow.id, 'in', 'the source subscribed', (c) => c.state === 'connected', 60_000);
    const poison = 'seq: 5 (yaml is not json)';
    for (let i = 0; i < 12; i++) await publisher.publishAsync(topic, i === 5 ? poison : JSON.stringify({ seq: i < 5 ? i : i - 1 }), { qos: 1 });
    await expectPoisonDeadLetteredAndRetried(t, flow.id, table, { raw: poison, reason: 'not JSON', fixedSeq: 11, good: 11 });
  });

  it('sink.mqtt publishes every record at QoS 1', { timeout: 120_000 }, async () => {
    const topic = `${uniqueName('sluice_mqtt_sink')}/out`;
    const reader = await mqtt.connectAsync(URL, { clean: true });
    const received: number[] = [];
    reader.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as { seq: number }).seq));
    await reader.subscribeAsync(topic, { qos: 1 });
    try {
      const worker = startWorkerProcess(t.databaseUrl);
      children.push(worker.child);
      const flow = await deployFlow(t, webhookToBroker({ type: 'sink.mqtt', config: { url: URL, topic } }));
      for (let i = 0; i < 1000; i += 250) {
        const res = await t.api('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 250 }, (_, j) => ({ seq: i + j })));
        expect(res.status).toBe(202);
      }
      await waitFor('every record on the topic', async () => (new Set(received).size >= 1000 ? true : undefined), 60_000);
      expect(new Set(received)).toEqual(new Set(Array.from({ length: 1000 }, (_, i) => i)));
    } finally {
      await reader.endAsync();
    }
  });
});
