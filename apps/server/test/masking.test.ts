// PII masking by role: flow_designer and data_consumer see a flow's declared PII fields masked with
// the seed's strategies in dead letters (list, detail, the flow's list), dry runs and error texts;
// system_admin sees them plain; an edit by a masked role keeps the stored values; logs never hold them.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DeadLetterEvent, Graph, ServerToClientEvents } from '@sluice/shared';
import { startTestSluice, waitFor, type TestSluice } from './harness.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A receiver that refuses every record and echoes it in its error page, as some APIs do. */
async function startEchoingRefuser(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => res.writeHead(422, { 'content-type': 'text/plain' }).end(`invalid record: ${Buffer.concat(parts).toString('utf8')}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const EMAIL = 'user.private@example.com';
const PHONE = '+12345678890';
const CARD = '1234-5678-9012-3456';
const RAW = [EMAIL, PHONE, CARD, 'user.private', '5678-9012'];
const PII = [
  { path: 'email', strategy: 'email' },
  { path: 'phone', strategy: 'phone' },
  { path: 'card', strategy: 'card' },
];
const MASKED = { email: 'u***@example.com', phone: '+1234****890', card: '****-****-****-3456' };

function flow(receiverUrl: string): Graph {
  return {
    name: 'pii',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'even', type: 'validate.rules', config: { rules: [{ name: 'even', expression: 'n % 2 = 0', message: 'n must be even' }] }, position: { x: 0, y: 0 } },
      { id: 'log', type: 'sink.log', config: { includeData: true }, position: { x: 0, y: 0 } },
      { id: 'crm', type: 'sink.http', config: { url: receiverUrl, retry: { strategy: 'fixed', maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 } }, position: { x: 0, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'even' },
      { id: 'e2', source: 'even', sourcePort: 'valid', target: 'log' },
      { id: 'e3', source: 'even', sourcePort: 'valid', target: 'crm' },
    ],
  };
}

type DeadLetterView = { id: string; nodeId: string; record: Record<string, unknown>; error: { message: string; body?: string } };

describe('PII masking by role', () => {
  let t: TestSluice;
  let flowId: string;
  let receiver: Awaited<ReturnType<typeof startEchoingRefuser>>;
  const logs: string[] = [];
  const auth = {} as Record<'flow_designer' | 'data_consumer', { authorization: string }>;

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
    t = await startTestSluice({ logger });
    // The receiver refuses the record and echoes it back: the error body then quotes the PII.
    receiver = await startEchoingRefuser();
    const created = await t.api<{ id: string }>('POST', '/api/flows', { ...flow(receiver.url), settings: { pii: PII } });
    flowId = created.body.id;
    expect((await t.api('POST', `/api/flows/${flowId}/deploy`)).status).toBe(200);
    for (const role of ['flow_designer', 'data_consumer'] as const) {
      const token = await t.api<{ token: string }>('POST', '/api/tokens', { name: role, role });
      auth[role] = { authorization: `Bearer ${token.body.token}` };
    }
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, [{ n: 1, email: EMAIL, phone: PHONE, card: CARD }, { n: 2, email: EMAIL, phone: PHONE, card: CARD }])).status).toBe(202);
    await waitFor('two dead letters', async () => {
      const page = await t.api<{ items: unknown[] }>('GET', `/api/flows/${flowId}/dead-letters`);
      return page.body.items.length === 2 ? true : undefined;
    });
  });
  afterAll(async () => {
    await t?.stop();
    receiver?.close();
  });

  it('shows system_admin (pii:read) the plain values', async () => {
    const page = await t.api<{ items: DeadLetterView[] }>('GET', `/api/dead-letters?flowId=${flowId}`);
    for (const item of page.body.items) expect(item.record).toMatchObject({ email: EMAIL, phone: PHONE, card: CARD });
  });

  for (const role of ['flow_designer', 'data_consumer'] as const) {
    it(`masks every dead-letter view for ${role}, error texts included`, async () => {
      const all = await t.api<{ items: DeadLetterView[] }>('GET', `/api/dead-letters?flowId=${flowId}`, undefined, auth[role]);
      const ofFlow = await t.api<{ items: DeadLetterView[] }>('GET', `/api/flows/${flowId}/dead-letters`, undefined, auth[role]);
      const detail = await t.api<DeadLetterView>('GET', `/api/dead-letters/${all.body.items[0]!.id}`, undefined, auth[role]);
      expect(all.status).toBe(200);
      expect(all.body.items).toHaveLength(2);
      for (const item of [...all.body.items, ...ofFlow.body.items, detail.body]) expect(item.record).toMatchObject(MASKED);
      const text = JSON.stringify([all.body, ofFlow.body, detail.body]);
      for (const raw of RAW) expect(text).not.toContain(raw);
      // The sink's dead letter quoted the record in its error body: masked there too.
      const crm = all.body.items.find((i) => i.nodeId === 'crm')!;
      expect(crm.error.body).toContain('u***@example.com');
    });
  }

  it('masks dry-run results for flow_designer and not for system_admin', async () => {
    const body = { graph: flow(receiver.url), records: [{ n: 2, email: EMAIL, phone: PHONE, card: CARD }, { n: 3, email: EMAIL, phone: PHONE, card: CARD }], flowId };
    const designer = await t.api<{ nodes: { nodeId: string; input: unknown[]; errors: { record: unknown }[] }[] }>('POST', '/api/dry-run', body, auth.flow_designer);
    expect(designer.status).toBe(200);
    const even = designer.body.nodes.find((n) => n.nodeId === 'even')!;
    expect(even.input[0]).toMatchObject(MASKED);
    const text = JSON.stringify(designer.body);
    for (const raw of RAW) expect(text).not.toContain(raw);
    const admin = await t.api<{ nodes: { nodeId: string; input: unknown[] }[] }>('POST', '/api/dry-run', body);
    expect(admin.body.nodes.find((n) => n.nodeId === 'even')!.input[0]).toMatchObject({ email: EMAIL });
  });

  it('keeps the stored values when a masked role saves an edit, and takes what they changed', async () => {
    const page = await t.api<{ items: DeadLetterView[] }>('GET', `/api/flows/${flowId}/dead-letters`, undefined, auth.flow_designer);
    const item = page.body.items.find((i) => i.nodeId === 'even')!;
    const saved = await t.api<DeadLetterView>('PATCH', `/api/dead-letters/${item.id}`, { record: { ...item.record, n: 4, phone: '+19998887777' } }, auth.flow_designer);
    expect(saved.status).toBe(200);
    expect(saved.body.record).toMatchObject({ n: 4, email: 'u***@example.com' });
    const stored = await t.api<DeadLetterView>('GET', `/api/dead-letters/${item.id}`);
    expect(stored.body.record).toEqual({ n: 4, email: EMAIL, phone: '+19998887777', card: CARD });
  });

  it('never writes an unmasked PII value to the log (the log sink masks declared fields)', async () => {
    await waitFor('the log sink line', async () => (logs.some((l) => l.includes('"msg":"record"')) ? true : undefined));
    const all = logs.join('\n');
    expect(all).toContain('u***@example.com');
    for (const raw of RAW) expect(all).not.toContain(raw);
  });
});

describe('PII masking in live dead-letter events', () => {
  it('sends a watcher without pii:read the reason kind only, and system_admin the whole reason', async () => {
    const t = await startTestSluice();
    const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
    try {
      // A mapping that fails quotes the value it could not convert: here, the email.
      const graph: Graph = {
        name: 'pii events',
        nodes: [
          { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
          { id: 'map', type: 'transform.map', config: { mappings: [{ target: 'n', source: 'email', op: 'number' }] }, position: { x: 0, y: 0 } },
          { id: 'log', type: 'sink.log', config: {}, position: { x: 0, y: 0 } },
        ],
        edges: [
          { id: 'e1', source: 'in', sourcePort: 'out', target: 'map' },
          { id: 'e2', source: 'map', sourcePort: 'out', target: 'log' },
        ],
      };
      const created = await t.api<{ id: string }>('POST', '/api/flows', { ...graph, settings: { pii: PII } });
      const flowId = created.body.id;
      expect((await t.api('POST', `/api/flows/${flowId}/deploy`)).status).toBe(200);
      const consumer = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'watcher', role: 'data_consumer' });
      const seen: Record<'admin' | 'consumer', DeadLetterEvent[]> = { admin: [], consumer: [] };
      for (const [who, token] of [['admin', t.token], ['consumer', consumer.body.token]] as const) {
        const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(t.url, { transports: ['websocket'], reconnection: false, auth: { token } });
        sockets.push(socket);
        socket.on('deadLetter', (e) => seen[who].push(e));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        expect(await socket.emitWithAck('subscribe', { flowId })).toEqual({ ok: true });
      }
      expect((await t.api('POST', `/api/flows/${flowId}/ingest`, [{ n: 2, email: EMAIL, phone: PHONE, card: CARD }])).status).toBe(202);
      await waitFor('the dead-letter event at both watchers', async () => (seen.admin.length > 0 && seen.consumer.length > 0 ? true : undefined), 20_000);
      expect(JSON.stringify(seen.admin)).toContain(EMAIL);
      const consumerText = JSON.stringify(seen.consumer);
      for (const raw of RAW) expect(consumerText).not.toContain(raw);
      expect(seen.consumer[0]!.sample[0]!.error.message).toMatch(/open the dead letter/);
    } finally {
      for (const socket of sockets) socket.close();
      await t.stop();
    }
  });
});
