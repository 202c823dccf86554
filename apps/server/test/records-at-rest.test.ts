// Records at rest: a flow that declares PII (encryptAtRest on by default) keeps its queued chunks and
// dead letters sealed with the vault key — the raw rows never hold a known value — and still
// delivers end to end, while dead letters show the plaintext to a role with pii:read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '@sluice/shared';
import { startTestSluice, waitFor, type TestSluice } from './harness.js';
import { startReceiver } from './fixtures.js';

const EMAIL = 'jane.doe.atrest@example.com';
const CARD = '4111-2222-3333-3456';

function flow(receiverUrl: string, name: string): Graph {
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'even', type: 'validate.rules', config: { rules: [{ name: 'even', expression: 'n % 2 = 0', message: 'n must be even' }] }, position: { x: 0, y: 0 } },
      { id: 'http', type: 'sink.http', config: { url: receiverUrl, retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 1500, maxDelayMs: 1500 } }, position: { x: 0, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'in', sourcePort: 'out', target: 'even' },
      { id: 'e2', source: 'even', sourcePort: 'valid', target: 'http' },
    ],
  };
}

async function createAndDeploy(t: TestSluice, graph: Graph, settings: Record<string, unknown>): Promise<string> {
  const created = await t.api<{ id: string; settings: Record<string, unknown> }>('POST', '/api/flows', { ...graph, settings });
  expect(created.status).toBe(201);
  expect((await t.api('POST', `/api/flows/${created.body.id}/deploy`)).status).toBe(200);
  return created.body.id;
}

describe('records at rest', () => {
  let t: TestSluice;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    t = await startTestSluice();
    // The first two deliveries fail transiently, so the record waits in a retry chunk for a while.
    receiver = await startReceiver((n) => ({ status: n < 2 ? 503 : 200 }));
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it('seals queued chunks and dead letters of a flow with PII, and still delivers the plaintext', async () => {
    const id = await createAndDeploy(t, flow(receiver.url, 'sealed'), { pii: [{ path: 'email', strategy: 'email' }, { path: 'card', strategy: 'card' }] });
    const flowBody = await t.api<{ settings: { encryptAtRest?: boolean; pii: unknown[] } }>('GET', `/api/flows/${id}`);
    expect(flowBody.body.settings.pii).toHaveLength(2);
    expect((await t.api('POST', `/api/flows/${id}/ingest`, [{ n: 2, email: EMAIL, card: CARD }, { n: 1, email: EMAIL, card: CARD }])).status).toBe(202);

    // The retry chunk sits in the queue: its raw row holds only ciphertext.
    const raw = await waitFor('a retry chunk', async () => {
      const { rows } = await t.pool.query('SELECT records::text AS r FROM chunks WHERE flow_id = $1 AND attempt >= 1', [id]);
      return rows[0]?.r as string | undefined;
    });
    expect(raw).toContain('$sealed');
    expect(raw).not.toContain('jane.doe');
    expect(raw).not.toContain('3333');

    const delivered = await waitFor('the delivery', async () => receiver.delivered()[0]);
    expect(delivered.body).toEqual({ n: 2, email: EMAIL, card: CARD });

    const dl = await waitFor('the dead letter', async () => {
      const { rows } = await t.pool.query('SELECT id, record::text AS r FROM dead_letters WHERE flow_id = $1', [id]);
      return rows[0] as { id: string; r: string } | undefined;
    });
    expect(dl.r).toContain('$sealed');
    expect(dl.r).not.toContain('jane.doe');
    // system_admin has pii:read: the dead letter opens to the plaintext.
    const shown = await t.api<{ record: unknown }>('GET', `/api/dead-letters/${dl.id}`);
    expect(shown.body.record).toEqual({ n: 1, email: EMAIL, card: CARD });

    // An edit stays sealed; a retry runs it again (and, still odd, it is a new sealed dead letter).
    expect((await t.api('PATCH', `/api/dead-letters/${dl.id}`, { record: { n: 3, email: EMAIL, card: CARD } })).status).toBe(200);
    const edited = await t.pool.query('SELECT record::text AS r FROM dead_letters WHERE id = $1', [dl.id]);
    expect(edited.rows[0].r).not.toContain('jane.doe');
    expect((await t.api<{ count: number }>('POST', '/api/dead-letters/retry', { ids: [String(dl.id)] })).body.count).toBe(1);
    const again = await waitFor('the retried dead letter', async () => {
      const page = await t.api<{ items: { generation: number; record: unknown }[] }>('GET', `/api/flows/${id}/dead-letters?status=pending`);
      return page.body.items.find((i) => i.generation === 1);
    });
    expect(again.record).toEqual({ n: 3, email: EMAIL, card: CARD });
    const { rows } = await t.pool.query(`SELECT string_agg(record::text, ' ') AS r FROM dead_letters WHERE flow_id = $1`, [id]);
    expect(rows[0].r).not.toContain('jane.doe');
  });

  it('stores plain JSON when the setting is off, so the check above can tell the difference', async () => {
    const id = await createAndDeploy(t, flow(receiver.url, 'plain'), { pii: [{ path: 'email', strategy: 'email' }], encryptAtRest: false });
    expect((await t.api('POST', `/api/flows/${id}/ingest`, [{ n: 1, email: EMAIL }])).status).toBe(202);
    const raw = await waitFor('the dead letter', async () => {
      const { rows } = await t.pool.query('SELECT record::text AS r FROM dead_letters WHERE flow_id = $1', [id]);
      return rows[0]?.r as string | undefined;
    });
    expect(raw).toContain('jane.doe');
    expect(raw).not.toContain('$sealed');
  });
});
