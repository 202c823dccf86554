import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { brokerToPostgres, expectEachOnce, killFirstWorkerThenFinish, expectPoisonDeadLetteredAndRetried, killAll, rowCount, startWorkerProcess, uniqueName, waitForConnector, webhookToBroker } from './brokers.js';

const URL = 'redis://127.0.0.1:6379';
const MESSAGES = 10_000;

describe('Redis Streams: source.redis and sink.redis against the real server', () => {
  let t: TestSluice;
  let redis: Redis;
  const keys: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestSluice({ role: 'server' });
    redis = new Redis(URL);
  });
  afterAll(async () => {
    await killAll(children);
    for (const key of keys) await redis?.del(key).catch(() => undefined);
    const markers = await redis?.keys('sluice:dedupe:sluice_redis_*').catch(() => [] as string[]);
    if (markers?.length) await redis.del(...markers);
    redis?.disconnect();
    await t?.stop();
  });

  async function addEntries(stream: string, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i += 1000) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(i + 1000, to); j++) pipeline.xadd(stream, '*', 'data', JSON.stringify({ seq: j }));
      await pipeline.exec();
    }
  }

  it('takes 10,000 entries into Postgres exactly once, and a worker killed with SIGKILL mid-way loses none', { timeout: 180_000 }, async () => {
    const stream = uniqueName('sluice_redis_src');
    keys.push(stream);
    const table = uniqueName('redis_in');
    await addEntries(stream, 0, MESSAGES);
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.redis', config: { url: URL, stream, group: 'sluice', batchSize: 250 } }, t.databaseUrl, table));

    const second = await killFirstWorkerThenFinish(t, table, MESSAGES, children);
    // XACK only after the commit: once done, nothing is left pending in the group.
    await waitFor('no pending entries', async () => {
      const [pending] = (await redis.xpending(stream, 'sluice')) as [number];
      return pending === 0 ? true : undefined;
    }, 30_000);
    const connector = await waitForConnector(t, flow.id, 'in', 'the connector connected in the second worker', (c) => c.state === 'connected');
    expect(connector.worker).toContain(`:${second.child.pid}:`);
  });

  it("claims the entries a dead consumer of the group left pending (XAUTOCLAIM)", { timeout: 120_000 }, async () => {
    const stream = uniqueName('sluice_redis_claim');
    keys.push(stream);
    const table = uniqueName('redis_claim');
    await addEntries(stream, 0, 300);
    await redis.xgroup('CREATE', stream, 'etl', '0');
    // Another consumer reads 100 entries and dies without acknowledging them.
    await redis.xreadgroup('GROUP', 'etl', 'crashed-consumer', 'COUNT', 100, 'STREAMS', stream, '>');
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    await deployFlow(t, brokerToPostgres({ type: 'source.redis', config: { url: URL, stream, group: 'etl', claimIdleMs: 500 } }, t.databaseUrl, table));
    await waitFor('all 300 entries in the table', async () => ((await rowCount(t, table)) >= 300 ? true : undefined), 60_000);
    await expectEachOnce(t, table, 300);
    const consumers = (await redis.xinfo('CONSUMERS', stream, 'etl')) as unknown[][];
    const pendingOf = (name: string) => {
      const info = consumers.find((c) => c[1] === name);
      return info ? Number(info[3]) : null;
    };
    expect(pendingOf('crashed-consumer')).toBe(0);
    expect(pendingOf('sluice')).toBe(0);
  });

  it('an entry whose body is not a JSON object among good ones becomes one dead letter at the source (acknowledged), editable and retryable', { timeout: 120_000 }, async () => {
    const stream = uniqueName('sluice_redis_poison');
    keys.push(stream);
    const table = uniqueName('redis_poison');
    await addEntries(stream, 0, 15);
    const poison = 'seq=15;not json';
    await redis.xadd(stream, '*', 'data', poison);
    await addEntries(stream, 15, 30);
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, brokerToPostgres({ type: 'source.redis', config: { url: URL, stream, group: 'sluice', batchSize: 10 } }, t.databaseUrl, table));
    await expectPoisonDeadLetteredAndRetried(t, flow.id, table, { raw: poison, reason: 'not JSON', fixedSeq: 30, good: 30 });
    // Acknowledged with the good ones: nothing pending in the group.
    const [pending] = (await redis.xpending(stream, 'sluice')) as [number];
    expect(pending).toBe(0);
  });

  it('sink.redis appends every record, its id and data as fields', { timeout: 120_000 }, async () => {
    const stream = uniqueName('sluice_redis_sink');
    keys.push(stream);
    const worker = startWorkerProcess(t.databaseUrl);
    children.push(worker.child);
    const flow = await deployFlow(t, webhookToBroker({ type: 'sink.redis', config: { url: URL, stream } }));
    const ids: string[] = [];
    for (let i = 0; i < 2000; i += 500) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flow.id}/ingest`, Array.from({ length: 500 }, (_, j) => ({ seq: i + j })));
      expect(res.status).toBe(202);
      ids.push(...res.body.ids);
    }
    await waitFor('every record in the stream', async () => ((await redis.xlen(stream)) >= ids.length ? true : undefined), 60_000);
    const entries = await redis.xrange(stream, '-', '+');
    const fields = entries.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])));
    expect(new Set(fields.map((f) => f.id))).toEqual(new Set(ids));
    expect(new Set(fields.map((f) => (JSON.parse(f.data!) as { seq: number }).seq)).size).toBe(2000);

  });
});
