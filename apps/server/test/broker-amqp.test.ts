import type { ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterPage } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { brokerToPostgres, exited, killFirstWorkerThenFinish, expectPoisonDeadLetteredAndRetried, killAll, startWorkerProcess, uniqueName, waitForConnector, webhookToBroker } from './brokers.js';

const URL = 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = 10_000;

describe('RabbitMQ: source.amqp and sink.amqp against the real broker', () => {
  let t: TestSluice;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const queues: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    connection = await amqp.connect(URL);
    channel = await connection.createConfirmChannel();
  });
  afterAll(async () => {
    await killAll(children);
    for (const q of queues) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await t?.stop();
  });

  async function newQueue(prefix: string): Promise<string> {
    const queue = uniqueName(prefix);
    queues.push(queue);
    await channel.assertQueue(queue, { durable: true });
    return queue;
  }

  it('takes 10,000 messages into Postgres exactly once, and a worker killed with SIGKILL mid-way loses none', { timeout: 180_000 }, async () => {
    const queue = await newQueue('sluice_amqp_src');
    const table = uniqueName('amqp_in');
    for (let i = 0; i < MESSAGES; i++) {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ seq: i, note: `message ${i}` })), { messageId: `m-${i}`, persistent: true });
    }
    await channel.waitForConfirms();
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: URL, queue, prefetch: 250 } }, t.databaseUrl, table));

    const second = await killFirstWorkerThenFinish(t, table, MESSAGES, children);
    // Acknowledged only after the commit: nothing is left on the queue, nothing waits unacknowledged.
    await waitFor('the queue to be empty', async () => ((await channel.checkQueue(queue)).messageCount === 0 ? true : undefined), 30_000);
    const connector = await waitForConnector(t, flow.id, 'in', 'the connector connected in the second worker', (c) => c.state === 'connected');
    expect(connector).toMatchObject({ type: 'source.amqp', message: null });
    expect(connector.worker).toContain(`:${second.child.pid}:`);
    // The record ids come from the message ids: a redelivered message was the same record.
    const { rows } = await t.pool.query(`SELECT count(DISTINCT sluice_id)::int AS ids FROM ${table}`);
    expect(rows[0].ids).toBe(MESSAGES);
  });

  it('a message that is not JSON among good ones becomes one dead letter at the source (acknowledged, not redelivered), editable and retryable', { timeout: 120_000 }, async () => {
    const queue = await newQueue('sluice_amqp_poison');
    const table = uniqueName('amqp_poison');
    const poison = '{"seq": 20, oops this is not JSON';
    for (let i = 0; i < 40; i++) {
      const body = i === 20 ? poison : JSON.stringify({ seq: i < 20 ? i : i - 1 });
      channel.sendToQueue(queue, Buffer.from(body), { messageId: `p-${i}`, persistent: true });
    }
    await channel.waitForConfirms();
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: URL, queue, prefetch: 10 } }, t.databaseUrl, table));
    await expectPoisonDeadLetteredAndRetried(t, flow.id, table, { raw: poison, reason: 'not JSON', fixedSeq: 39, good: 39 });
    // Every message was acknowledged: with the worker gone, nothing comes back to the queue.
    worker.child.kill('SIGKILL');
    await exited(worker.child);
    await waitFor('the worker connection closed', async () => ((await channel.checkQueue(queue)).consumerCount === 0 ? true : undefined), 30_000);
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('sink.amqp publishes every record with confirms, its id as the message id; an unroutable one is not called delivered', { timeout: 120_000 }, async () => {
    const queue = await newQueue('sluice_amqp_sink');
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, webhookToBroker({ type: 'sink.amqp', config: { url: URL, routingKey: queue } }));
    const ids: string[] = [];
    for (let i = 0; i < 2000; i += 500) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 500 }, (_, j) => ({ seq: i + j })));
      expect(res.status).toBe(202);
      ids.push(...res.body.ids);
    }
    const received = new Map<string, { seq: number; persistent: boolean }>();
    const reader = await connection.createChannel();
    await reader.consume(queue, (m) => {
      if (!m) return;
      received.set(String(m.properties.messageId), { seq: (JSON.parse(m.content.toString()) as { seq: number }).seq, persistent: m.properties.deliveryMode === 2 });
      reader.ack(m);
    });
    await waitFor('every record on the queue', async () => (received.size >= ids.length ? true : undefined), 60_000);
    await reader.close();
    expect(new Set(received.keys())).toEqual(new Set(ids));
    expect(new Set([...received.values()].map((v) => v.seq)).size).toBe(2000);
    expect([...received.values()].every((v) => v.persistent)).toBe(true);

    // A routing key no queue is bound to: the broker returns the message, the record is retried and then dead-lettered.
    const nowhere = await deployFlow(t, webhookToBroker({ type: 'sink.amqp', config: { url: URL, routingKey: uniqueName('no_such_queue'), retry: { strategy: 'fixed', maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 } } }));
    expect((await t.api('POST', `/api/flows/${nowhere.id}/ingest`, [{ seq: 1 }])).status).toBe(202);
    const page = await waitFor('the unroutable record dead-lettered', async () => {
      const res = await t.api<DeadLetterPage>('GET', `/api/flows/${nowhere.id}/dead-letters`);
      return res.body.items.length > 0 ? res.body : undefined;
    }, 60_000);
    expect(page.items[0]!.error.message).toContain('no queue is bound');
  });
});
