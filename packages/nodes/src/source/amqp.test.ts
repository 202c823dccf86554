import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptOutcome, ConsumeContext, SourceMessage } from '../define.js';
import { build, makeContext } from '../testing.js';
import { amqpSource } from './amqp.js';

// Against the real RabbitMQ on 127.0.0.1:5672, on queues of this file's own.
const URL = 'amqp://guest:guest@127.0.0.1:5672';
let connection: amqp.ChannelModel;
let channel: amqp.Channel;
const queues: string[] = [];

beforeAll(async () => {
  connection = await amqp.connect(URL);
  channel = await connection.createChannel();
});
afterAll(async () => {
  for (const q of queues) await channel.deleteQueue(q).catch(() => undefined);
  await connection.close();
});

async function newQueue(messages: { body: string; messageId?: string }[]): Promise<string> {
  const queue = `sluice_amqp_source_test_${randomBytes(5).toString('hex')}`;
  queues.push(queue);
  await channel.assertQueue(queue);
  for (const m of messages) channel.sendToQueue(queue, Buffer.from(m.body), m.messageId ? { messageId: m.messageId } : {});
  return queue;
}

/** Consumes until `until` is true, then aborts; returns whether it said connected. */
async function consume(queue: string, accept: (m: SourceMessage[]) => Promise<AcceptOutcome>, until: () => boolean, config: Record<string, unknown> = {}) {
  const runtime = build(amqpSource, { url: URL, queue, ...config });
  if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.amqp has no consume');
  const abort = new AbortController();
  let connected = false;
  const ctx: ConsumeContext = { signal: abort.signal, logger: makeContext().logger, accept, connected: () => (connected = true) };
  const running = runtime.consume(ctx);
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 25));
  abort.abort();
  await running;
  return connected;
}

const counts = async (queue: string) => {
  const q = await channel.checkQueue(queue);
  return q.messageCount;
};

describe('source.amqp', () => {
  it('hands messages over keyed by message id, and acknowledges them once accepted', async () => {
    const queue = await newQueue([
      { body: '{"n":1}', messageId: 'a' },
      { body: '[1,2]', messageId: 'b' },
      { body: '{"n":3}' },
    ]);
    const seen: SourceMessage[] = [];
    const connected = await consume(
      queue,
      async (messages) => {
        seen.push(...messages);
        return { deadLettered: 0 };
      },
      () => seen.length >= 3,
    );
    expect(connected).toBe(true);
    expect(seen).toEqual([{ key: 'a', data: { n: 1 } }, { key: 'b', data: { value: [1, 2] } }, { data: { n: 3 } }]);
    // After the abort the connection is closed: anything unacknowledged would be ready again.
    expect(await counts(queue)).toBe(0);
  });

  it('a failed accept acknowledges nothing: the broker delivers the batch again to the next run', async () => {
    const queue = await newQueue([{ body: '{"n":1}', messageId: 'x' }, { body: '{"n":2}', messageId: 'y' }]);
    const runtime = build(amqpSource, { url: URL, queue });
    if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.amqp has no consume');
    await expect(
      runtime.consume({ signal: new AbortController().signal, logger: makeContext().logger, connected: () => undefined, accept: async () => Promise.reject(new Error('database unreachable')) }),
    ).rejects.toThrow('database unreachable');
    const again: SourceMessage[] = [];
    await consume(queue, async (m) => (again.push(...m), { deadLettered: 0 }), () => again.length >= 2);
    expect(again.map((m) => m.key).sort()).toEqual(['x', 'y']);
  });

  it('hands a body it cannot read to accept as invalid, with its text and the reason, and acknowledges every message', async () => {
    const queue = await newQueue([{ body: 'not json', messageId: 'poison' }, { body: '{"ok":true}' }]);
    const seen: SourceMessage[] = [];
    await consume(
      queue,
      async (messages) => {
        seen.push(...messages);
        return { deadLettered: messages.filter((m) => 'invalid' in m).length };
      },
      () => seen.length >= 2,
    );
    expect(seen).toEqual([{ key: 'poison', invalid: { raw: 'not json', reason: expect.stringContaining('not JSON') } }, { data: { ok: true } }]);
    expect(await counts(queue)).toBe(0);
  });

  it('a missing queue: rejects with the broker\'s reason and no password', async () => {
    const runtime = build(amqpSource, { url: 'amqp://guest:guest@127.0.0.1:5672', queue: `missing_${randomBytes(4).toString('hex')}` });
    if (runtime.kind !== 'source' || !runtime.consume) throw new Error('source.amqp has no consume');
    const err = await runtime.consume({ signal: new AbortController().signal, logger: makeContext().logger, connected: () => undefined, accept: async () => ({ deadLettered: 0 }) }).catch((e: Error) => e);
    expect(String(err)).toMatch(/NOT_FOUND - no queue/);
    expect(String(err)).not.toContain('guest:guest');
  });
});
