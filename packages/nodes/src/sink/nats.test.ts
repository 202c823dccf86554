import { randomBytes } from 'node:crypto';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSink, build, localConnections, makeContext, makeRecord } from '../testing.js';
import { natsSink } from './nats.js';

// Against the real NATS JetStream on 127.0.0.1:4222, on a stream of this file's own.
const SERVERS = 'nats://127.0.0.1:4222';
const stream = `SLUICE_NATS_SINK_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
const subject = `${stream.toLowerCase()}.out`;
const connections = localConnections();
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: SERVERS });
  jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject] });
});
afterAll(async () => {
  await connections.closeAll();
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.close();
});

describe('sink.nats', () => {
  it('publishes with the record id as Nats-Msg-Id: a redelivery is dropped by the stream', async () => {
    const sink = asSink(build(natsSink, { servers: SERVERS, subject }, makeContext({ connection: connections.connection })));
    const records = Array.from({ length: 20 }, (_, i) => makeRecord({ i }));
    expect(await sink.deliver(records)).toEqual(records.map(() => ({ status: 'delivered' })));
    expect(await sink.deliver(records.slice(0, 5))).toEqual(records.slice(0, 5).map(() => ({ status: 'delivered' })));
    expect((await jsm.streams.info(stream)).state.messages).toBe(20);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first.header.get('Nats-Msg-Id')).toBe(records[0]!.id);
    expect(first.header.get('Sluice-Correlation-Id')).toBe(records[0]!.correlationId);
    expect(first.json()).toEqual({ i: 0 });
  });

  it('a subject no stream captures is a transient failure that says so', async () => {
    const sink = asSink(build(natsSink, { servers: SERVERS, subject: `nowhere.${randomBytes(4).toString('hex')}` }, makeContext({ connection: connections.connection })));
    const [outcome] = await sink.deliver([makeRecord({ i: 1 })]);
    expect(outcome).toMatchObject({ status: 'transient', error: { message: expect.stringContaining('no stream captures this subject') } });
  });
});
