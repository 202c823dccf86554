import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { AcceptOutcome, ConsumeContext, SourceMessage } from '../define.js';
import { build, makeContext } from '../testing.js';
import { redisSource } from './redis.js';

// Against the real Redis on 127.0.0.1:6379, on streams of this file's own.
const URL = 'redis://127.0.0.1:6379';
const redis = new Redis(URL);
const streams: string[] = [];

afterAll(async () => {
  if (streams.length) await redis.del(...streams);
  redis.disconnect();
});

function newStream(): string {
  const stream = `sluice_redis_source_test_${randomBytes(5).toString('hex')}`;
  streams.push(stream);
  return stream;
}

/** Runs the source's consume until `until` says stop; `accept` sees every batch. */
async function consume(config: Record<string, unknown>, accept: (messages: SourceMessage[]) => Promise<AcceptOutcome>, until: () => boolean) {
  const runtime = build(redisSource, { url: URL, ...config });
  if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.redis has no consume');
  const abort = new AbortController();
  let connected = false;
  const ctx: ConsumeContext = { signal: abort.signal, logger: makeContext().logger, accept, connected: () => (connected = true) };
  const running = runtime.consume(ctx);
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  await running;
  return { connected };
}

describe('source.redis', () => {
  it('hands entries over in batches keyed by entry id and acknowledges each batch only after accept resolves', async () => {
    const stream = newStream();
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await redis.xadd(stream, '*', 'data', JSON.stringify({ seq: i })))!);
    await redis.xadd(stream, '*', 'name', 'no data field');
    const seen: SourceMessage[] = [];
    const pendingDuringAccept: number[] = [];
    const { connected } = await consume(
      { stream, group: 'g', batchSize: 50 },
      async (messages) => {
        pendingDuringAccept.push(((await redis.xpending(stream, 'g')) as [number])[0]);
        seen.push(...messages);
        return { deadLettered: 0 };
      },
      () => seen.length >= 121,
    );
    expect(connected).toBe(true);
    expect(seen.map((m) => m.key)).toEqual([...ids.map((id) => `${stream}/${id}`), expect.any(String)]);
    expect(seen[0]).toEqual({ key: expect.any(String), data: { seq: 0 } });
    expect(seen[120]).toEqual({ key: expect.any(String), data: { name: 'no data field' } });
    // Each batch was still pending while it was being accepted, and nothing is pending at the end.
    expect(pendingDuringAccept.slice(0, 3)).toEqual([50, 50, 21]);
    expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
  });

  it('a failed accept leaves the batch pending; the next run takes it again first', async () => {
    const stream = newStream();
    for (let i = 0; i < 10; i++) await redis.xadd(stream, '*', 'data', JSON.stringify({ seq: i }));
    let failed = false;
    const runtime = build(redisSource, { url: URL, stream, group: 'g' });
    if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.redis has no consume');
    const abort = new AbortController();
    await expect(
      runtime.consume({ signal: abort.signal, logger: makeContext().logger, connected: () => undefined, accept: async () => {
        failed = true;
        throw new Error('database unreachable');
      } }),
    ).rejects.toThrow(/database unreachable/);
    expect(failed).toBe(true);
    expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(10);
    const again: SourceMessage[] = [];
    await consume({ stream, group: 'g' }, async (m) => (again.push(...m), { deadLettered: 0 }), () => again.length >= 10);
    expect(again.map((m) => ('data' in m ? m.data : m.invalid))).toEqual(Array.from({ length: 10 }, (_, i) => ({ seq: i })));
    expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
  });

  it('cannot connect: rejects naming the server without its password', async () => {
    const runtime = build(redisSource, { url: 'redis://:hunter22@127.0.0.1:1', stream: 's', group: 'g' });
    if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.redis has no consume');
    const err = await runtime.consume({ signal: new AbortController().signal, logger: makeContext().logger, connected: () => undefined, accept: async () => ({ deadLettered: 0 }) }).catch((e: Error) => e);
    expect(String(err)).toContain('redis://127.0.0.1:1');
    expect(String(err)).not.toContain('hunter22');
  });
});
