import type { ChildProcess } from 'node:child_process';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { brokerToPostgres, killFirstWorkerThenFinish, expectPoisonDeadLetteredAndRetried, killAll, startWorkerProcess, uniqueName, waitForConnector, webhookToBroker } from './brokers.js';

const SERVERS = 'nats://127.0.0.1:4222';
const MESSAGES = 10_000;

describe('NATS JetStream: source.nats and sink.nats against the real server', () => {
  let t: TestSluice;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    nc = await connect({ servers: SERVERS });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await killAll(children);
    for (const s of streams) await jsm?.streams.delete(s).catch(() => undefined);
    await nc?.close();
    await t?.stop();
  });

  async function newStream(prefix: string): Promise<{ stream: string; subject: string }> {
    const stream = uniqueName(prefix).toUpperCase();
    const subject = `${stream.toLowerCase()}.events`;
    streams.push(stream);
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
    return { stream, subject };
  }

  it('takes 10,000 messages into Postgres exactly once, and a worker killed with SIGKILL mid-way loses none', { timeout: 180_000 }, async () => {
    const { stream, subject } = await newStream('sluice_nats_src');
    const table = uniqueName('nats_in');
    const js = nc.jetstream();
    for (let i = 0; i < MESSAGES; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => js.publish(subject, Buffer.from(JSON.stringify({ seq: i + j })))));
    }
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.nats', config: { servers: SERVERS, stream, subject, durable: 'sluice', batchSize: 250, ackWaitMs: 5000 } }, t.databaseUrl, table));

    const second = await killFirstWorkerThenFinish(t, table, MESSAGES, children);
    // Acknowledged after the commit: the durable consumer has nothing pending or waiting.
    await waitFor('the consumer to have nothing pending', async () => {
      const info = await jsm.consumers.info(stream, 'sluice');
      return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
    }, 30_000);
    const connector = await waitForConnector(t, flow.id, 'in', 'the connector connected in the second worker', (c) => c.state === 'connected');
    expect(connector.worker).toContain(`:${second.child.pid}:`);
  });

  it('a message that is not JSON among good ones becomes one dead letter at the source (acknowledged, not redelivered), editable and retryable', { timeout: 120_000 }, async () => {
    const { stream, subject } = await newStream('sluice_nats_poison');
    const table = uniqueName('nats_poison');
    const js = nc.jetstream();
    const poison = '<seq>12</seq>';
    for (let i = 0; i < 25; i++) await js.publish(subject, Buffer.from(i === 12 ? poison : JSON.stringify({ seq: i < 12 ? i : i - 1 })));
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.nats', config: { servers: SERVERS, stream, subject, durable: 'sluice', batchSize: 10 } }, t.databaseUrl, table));
    await expectPoisonDeadLetteredAndRetried(t, flow.id, table, { raw: poison, reason: 'not JSON', fixedSeq: 24, good: 24 });
    const info = await jsm.consumers.info(stream, 'sluice');
    expect({ pending: info.num_pending, unacked: info.num_ack_pending, redelivered: info.num_redelivered }).toEqual({ pending: 0, unacked: 0, redelivered: 0 });
  });

  it('sink.nats publishes every record and waits for its PubAck; the record id is the message id', { timeout: 120_000 }, async () => {
    const { stream, subject } = await newStream('sluice_nats_sink');
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, webhookToBroker({ type: 'sink.nats', config: { servers: SERVERS, subject } }));
    const ids: string[] = [];
    for (let i = 0; i < 2000; i += 500) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 500 }, (_, j) => ({ seq: i + j })));
      expect(res.status).toBe(202);
      ids.push(...res.body.ids);
    }
    await waitFor('every record in the stream', async () => ((await jsm.streams.info(stream)).state.messages >= ids.length ? true : undefined), 60_000);
    const consumer = await nc.jetstream().consumers.get(stream);
    const seen = new Map<string, number>();
    for await (const m of await consumer.fetch({ max_messages: 2000, expires: 5000 })) {
      seen.set(m.headers?.get('Nats-Msg-Id') ?? '', (JSON.parse(m.string()) as { seq: number }).seq);
      if (seen.size >= 2000) break;
    }
    expect(new Set(seen.keys())).toEqual(new Set(ids));
    expect(new Set(seen.values()).size).toBe(2000);
    expect((await jsm.streams.info(stream)).state.messages).toBe(2000);
  });
});
