import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { asSink, build, localConnections, makeContext, makeRecord } from '../testing.js';
import { redisSink } from './redis.js';

// Against the real Redis on 127.0.0.1:6379, on streams of this file's own.
const URL = 'redis://127.0.0.1:6379';
const run = randomBytes(5).toString('hex');
const redis = new Redis(URL);
const connections = localConnections();
const streams: string[] = [];

afterAll(async () => {
  await connections.closeAll();
  for (const stream of streams) {
    const markers = await redis.keys(`sluice:dedupe:${stream}:*`);
    await redis.del(stream, ...markers);
  }
  redis.disconnect();
});

function sink(config: Record<string, unknown>) {
  const stream = `sluice_redis_sink_test_${run}_${streams.length}`;
  streams.push(stream);
  return { stream, sink: asSink(build(redisSink, { url: URL, stream, ...config }, makeContext({ connection: connections.connection }))) };
}

describe('sink.redis', () => {
  it('appends id, correlationId and data; a record delivered again is not appended twice', async () => {
    const { stream, sink: s } = sink({});
    const records = [makeRecord({ n: 1, name: 'ä' }), makeRecord({ n: 2 }), makeRecord(null)];
    expect(await s.deliver(records)).toEqual(records.map(() => ({ status: 'delivered' })));
    expect(await s.deliver(records)).toEqual(records.map(() => ({ status: 'delivered' })));
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries).toHaveLength(3);
    expect(entries.map(([, f]) => f)).toEqual(records.map((r) => ['id', r.id, 'correlationId', r.correlationId, 'data', JSON.stringify(r.data)]));
  });

  it('with deduplication off a redelivery appends again; maxLen trims', async () => {
    const { stream, sink: s } = sink({ dedupeSeconds: 0, maxLen: 10 });
    const records = Array.from({ length: 300 }, (_, i) => makeRecord({ i }));
    await s.deliver(records);
    await s.deliver(records.slice(0, 5));
    const length = await redis.xlen(stream);
    expect(length).toBeLessThan(300); // trimmed (approximately, as MAXLEN ~ does)
    expect(await redis.keys(`sluice:dedupe:${stream}:*`)).toEqual([]);
  });

  it('a key that is not a stream fails permanently; an unreachable server transiently, naming no password', async () => {
    const { stream, sink: s } = sink({});
    await redis.set(stream, 'a string');
    const [outcome] = await s.deliver([makeRecord({ n: 1 })]);
    expect(outcome).toMatchObject({ status: 'permanent', error: { message: expect.stringContaining('WRONGTYPE') } });

    const away = asSink(build(redisSink, { url: 'redis://:hunter22@127.0.0.1:1', stream: 'x' }, makeContext({ connection: localConnections().connection })));
    const [down] = await away.deliver([makeRecord({ n: 1 })]);
    expect(down!.status).toBe('transient');
    expect(JSON.stringify(down)).not.toContain('hunter22');
  });
});
