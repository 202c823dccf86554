import type { ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowConnectors } from '@sluice/shared';
import pg from 'pg';
import { ADMIN_URL, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { brokerToPostgres, expectEachOnce, expectPoisonDeadLetteredAndRetried, exited, killAll, rowCount, startWorkerProcess, uniqueName, waitForConnector } from './brokers.js';

// The consumer runtime, shown with RabbitMQ (whose queues count their consumers): one consumer per
// source across worker processes, failover when its process dies, status, deploy and stop.
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

describe('consuming sources across worker processes', () => {
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const queues: string[] = [];

  beforeAll(async () => {
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    for (const q of queues) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
  });

  function queueName(prefix: string): string {
    const queue = uniqueName(prefix);
    queues.push(queue);
    return queue;
  }

  const consumerCount = async (queue: string) => (await channel.checkQueue(queue)).consumerCount;

  describe('two worker processes', () => {
    let t: TestSluice;
    const children: ChildProcess[] = [];
    beforeAll(async () => {
      t = await startTestSluice({ role: 'server' });
    });
    afterAll(async () => {
      await killAll(children);
      await t?.stop();
    });

    it('consume a source in exactly one of them; when that one is killed the other takes over within 30 s', { timeout: 180_000 }, async () => {
      const queue = queueName('sluice_failover');
      await channel.assertQueue(queue, { durable: true });
      const table = uniqueName('failover');
      const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: AMQP_URL, queue } }, t.databaseUrl, table));
      // No worker process yet: the source waits, and says so.
      const waiting = await t.api<FlowConnectors>('GET', `/api/flows/${flow.id}/connectors`);
      expect(waiting.body.connectors).toEqual([expect.objectContaining({ nodeId: 'in', type: 'source.amqp', state: 'waiting', worker: null })]);
      expect(waiting.body.connectors[0]!.message).toContain('no live worker process');
      // Both with the default lease (15 s): the promise is about the real setting.
      const a = startWorkerProcess(t.databaseUrl);
      const b = startWorkerProcess(t.databaseUrl);
      children.push(a.child, b.child);
      const holder = await waitForConnector(t, flow.id, 'in', 'one worker to connect', (c) => c.state === 'connected', 60_000);
      // Give the other worker several looks at the lease: it must stay away.
      await new Promise((r) => setTimeout(r, 5000));
      expect(await consumerCount(queue)).toBe(1);
      const [victim, survivor] = holder.worker!.includes(`:${a.child.pid}:`) ? [a, b] : [b, a];
      expect(holder.worker).toContain(`:${victim.child.pid}:`);
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ seq: 0 })), { messageId: 'before' });
      await waitFor('the message sent before the kill', async () => ((await rowCount(t, table)) === 1 ? true : undefined), 30_000);

      victim.child.kill('SIGKILL');
      await exited(victim.child);
      const killedAt = Date.now();
      const taken = await waitForConnector(t, flow.id, 'in', 'the surviving worker to take over', (c) => c.state === 'connected' && c.worker!.includes(`:${survivor.child.pid}:`), 60_000);
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      expect(taken.message).toBeNull();
      expect(await consumerCount(queue)).toBe(1);
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ seq: 1 })), { messageId: 'after' });
      await waitFor('the message sent after the takeover', async () => ((await rowCount(t, table)) === 2 ? true : undefined), 30_000);
    });
  });

  describe('one process running everything', () => {
    let t: TestSluice;
    beforeAll(async () => {
      t = await startTestSluice();
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('a message whose data Postgres cannot store is found among good ones and dead-lettered at the source with the reason; the rest are taken', { timeout: 120_000 }, async () => {
      const queue = queueName('sluice_refused');
      await channel.assertQueue(queue, { durable: true });
      const table = uniqueName('refused');
      // jsonb holds no NUL character: ingest refuses this record (naming where it is), not the batch it came with.
      const refused = { seq: 10, note: 'a \u0000 inside' };
      for (let i = 0; i < 20; i++) channel.sendToQueue(queue, Buffer.from(JSON.stringify(i === 10 ? refused : { seq: i < 10 ? i : i - 1 })), { messageId: `r-${i}` });
      const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: AMQP_URL, queue, prefetch: 50 } }, t.databaseUrl, table));
      await expectPoisonDeadLetteredAndRetried(t, flow.id, table, { raw: JSON.stringify(refused), reason: '[0].note holds a NUL character', fixedSeq: 19, good: 19 });
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    });

    it('shows reconnecting, then error with the reason, while the queue is missing, and connects once it exists', { timeout: 120_000 }, async () => {
      const queue = queueName('sluice_status');
      const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: AMQP_URL, queue } }, t.databaseUrl, uniqueName('status')));
      const failing = await waitForConnector(t, flow.id, 'in', 'the connector to fail', (c) => c.state === 'reconnecting', 30_000);
      expect(failing.message).toContain('NOT_FOUND');
      expect(failing.worker).toBe(t.sluice.worker!.reaper.processId);
      const error = await waitForConnector(t, flow.id, 'in', 'the connector in error after failing again', (c) => c.state === 'error', 30_000);
      expect(error.message).toContain(`no queue '${queue}'`);
      await channel.assertQueue(queue, { durable: true });
      const connected = await waitForConnector(t, flow.id, 'in', 'the connector connected', (c) => c.state === 'connected', 60_000);
      expect(connected.message).toBeNull();
    });

    it('reconnects after the broker drops its connection, and loses nothing', { timeout: 120_000 }, async () => {
      const redis = new Redis('redis://127.0.0.1:6379');
      const stream = uniqueName('sluice_reconnect');
      const table = uniqueName('reconnect');
      try {
        const add = async (from: number, to: number) => {
          const pipeline = redis.pipeline();
          for (let i = from; i < to; i++) pipeline.xadd(stream, '*', 'data', JSON.stringify({ seq: i }));
          await pipeline.exec();
        };
        await add(0, 500);
        const flow = await deployFlow(t, brokerToPostgres({ type: 'source.redis', config: { url: 'redis://127.0.0.1:6379', stream, group: 'sluice' } }, t.databaseUrl, table));
        await waitFor('the first entries in the table', async () => ((await rowCount(t, table)) === 500 ? true : undefined), 30_000);
        // The broker drops the consumer's connection (only this flow's: it names its connection).
        const name = `sluice:${flow.id}:in`;
        const clientIds = async () => ((await redis.client('LIST')) as string).split('\n').filter((l) => l.includes(` name=${name} `)).map((l) => /id=(\d+)/.exec(l)![1]!);
        const [before] = await clientIds();
        expect(before).toBeDefined();
        await redis.client('KILL', 'ID', before!);
        await add(500, 1000);
        await waitFor('a new connection from the consumer', async () => {
          const ids = await clientIds();
          return ids.length === 1 && ids[0] !== before ? true : undefined;
        }, 30_000);
        await waitForConnector(t, flow.id, 'in', 'connected again', (c) => c.state === 'connected');
        await waitFor('every entry in the table', async () => ((await rowCount(t, table)) === 1000 ? true : undefined), 30_000);
        await expectEachOnce(t, table, 1000);
      } finally {
        await redis.del(stream);
        redis.disconnect();
      }
    });

    it('stops consuming when the flow is stopped, and starts again when it is deployed', { timeout: 120_000 }, async () => {
      const queue = queueName('sluice_lifecycle');
      await channel.assertQueue(queue, { durable: true });
      const table = uniqueName('lifecycle');
      const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: AMQP_URL, queue } }, t.databaseUrl, table));
      await waitForConnector(t, flow.id, 'in', 'connected', (c) => c.state === 'connected');
      expect(await consumerCount(queue)).toBe(1);

      expect((await t.api('POST', `/api/flows/${flow.id}/stop`)).status).toBe(200);
      await waitFor('the consumer to leave the queue', async () => ((await consumerCount(queue)) === 0 ? true : undefined), 30_000);
      const stopped = await t.api<FlowConnectors>('GET', `/api/flows/${flow.id}/connectors`);
      expect(stopped.body.connectors).toEqual([{ nodeId: 'in', type: 'source.amqp', state: 'stopped', message: null, worker: null, since: null }]);
      // Messages sent while the flow is stopped wait in the queue…
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ seq: 7 })), { messageId: 'while-stopped' });
      await new Promise((r) => setTimeout(r, 1000));
      expect((await channel.checkQueue(queue)).messageCount).toBe(1);

      // …and arrive once it is deployed again.
      expect((await t.api('POST', `/api/flows/${flow.id}/deploy`)).status).toBe(200);
      await waitFor('the waiting message in the table', async () => ((await rowCount(t, table)) === 1 ? true : undefined), 30_000);
      expect(await consumerCount(queue)).toBe(1);
    });
  });

  describe('a worker cut off from the database', () => {
    let t: TestSluice;
    let name: string;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    beforeAll(async () => {
      t = await startTestSluice({ consumerLeaseMs: 6000 });
      name = new URL(t.databaseUrl).pathname.slice(1);
    });
    afterAll(async () => {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await t?.stop();
    });

    it('stops consuming before its lease could pass to another worker, and consumes again once the database is back', { timeout: 120_000 }, async () => {
      const queue = queueName('sluice_db_down');
      await channel.assertQueue(queue, { durable: true });
      const table = uniqueName('db_down');
      const flow = await deployFlow(t, brokerToPostgres({ type: 'source.amqp', config: { url: AMQP_URL, queue } }, t.databaseUrl, table));
      await waitForConnector(t, flow.id, 'in', 'connected', (c) => c.state === 'connected');
      expect(await consumerCount(queue)).toBe(1);

      await t.pool.end();
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      const cutAt = Date.now();
      await waitFor('the consumer to leave the queue', async () => ((await consumerCount(queue)) === 0 ? true : undefined), 30_000);
      // Before the lease (6 s after its last renewal) could have been taken by anyone else.
      expect(Date.now() - cutAt).toBeLessThan(6000);
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ seq: 0 })), { messageId: 'during-outage' });

      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      t.pool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
      t.pool.on('error', () => undefined);
      await waitFor('the message sent during the outage in the table', async () => ((await rowCount(t, table)) === 1 ? true : undefined), 60_000);
      expect(await consumerCount(queue)).toBe(1);
    });
  });
});
