// Chaos that fits in `npm test` (issue #4): a sink that stays down, and a slow sink beside a fast
// one on the same worker. The long ones (kill -9 loops, the database going away mid-run) are
// `npm run bench:chaos -w bench`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '@sluice/shared';
import { startTestSluice, waitFor, type TestSluice } from './harness.js';

/** What a receiver got: one entry per request. */
interface Hit {
  key: string;
  status: number;
  /** Record ids in the body (batches) or the key itself (single records). */
  ids: string[];
  /** Date.now() when the request arrived. */
  at: number;
}

/**
 * A local HTTP receiver whose answer (status, and how long it takes) can change while it runs.
 * Unlike fixtures.startReceiver it can answer late, which is what a slow sink is.
 */
async function startControlledReceiver(initial: { status: number; delayMs: number }) {
  const behaviour = { ...initial };
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const { status, delayMs } = behaviour;
      const key = String(req.headers['idempotency-key'] ?? '');
      let ids = [key];
      try {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
        if (Array.isArray(body)) ids = body.map((r) => String((r as { id: string }).id));
      } catch {
        // a single record's data: its key is its id
      }
      const answer = () => {
        hits.push({ key, status, ids, at: Date.now() });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status }));
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/in`,
    behaviour,
    hits,
    delivered: () => hits.filter((h) => h.status >= 200 && h.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Receiver = Awaited<ReturnType<typeof startControlledReceiver>>;

function httpFlow(name: string, url: string, sink: Record<string, unknown>, settings: Record<string, number>): Graph & { settings: Record<string, number> } {
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'out', type: 'sink.http', config: { url, timeoutMs: 10_000, ...sink }, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
    settings,
  };
}

async function deploy(t: TestSluice, graph: Graph): Promise<string> {
  const created = await t.api<{ id: string }>('POST', '/api/flows', graph);
  expect(created.status).toBe(201);
  const deployed = await t.api('POST', `/api/flows/${created.body.id}/deploy`);
  expect(deployed.status).toBe(200);
  return created.body.id;
}

async function backlog(t: TestSluice, flowId: string): Promise<number> {
  const { rows } = await t.pool.query('SELECT coalesce(sum(record_count), 0)::int AS n FROM chunks WHERE flow_id = $1', [flowId]);
  return rows[0].n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('chaos: a sink that stays down, then comes back', () => {
  let t: TestSluice;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestSluice({ workerConcurrency: 8 });
    receiver = await startControlledReceiver({ status: 503, delayMs: 0 });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  it('holds records while it is down, answers 429 at the backlog limit, and delivers each record exactly once when it is back', async () => {
    const MAX_BACKLOG = 2000;
    const DOWN_MS = 18_000;
    const flowId = await deploy(
      t,
      httpFlow('sink down', receiver.url, { batchSize: 10, retry: { strategy: 'exponential', maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 4000 } }, { maxBacklog: MAX_BACKLOG, chunkSize: 100 }),
    );
    const downSince = Date.now();

    // Fill the flow until ingest pushes back.
    const accepted: string[] = [];
    let refused: { status: number; retryAfter: string | null; body: unknown } | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flowId}/ingest`, Array.from({ length: 100 }, (_, j) => ({ n: i * 100 + j })));
      if (res.status === 202) accepted.push(...res.body.ids);
      else refused = { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body };
    }
    expect(refused?.status, JSON.stringify(refused)).toBe(429);
    expect(Number(refused!.retryAfter)).toBeGreaterThan(0);
    // The backlog reached its limit and no further: everything accepted is waiting.
    expect(accepted.length).toBe(MAX_BACKLOG);
    expect(await backlog(t, flowId)).toBe(MAX_BACKLOG);

    // While the sink stays down: records are tried again and again (with backoff), nothing is lost
    // to a dead letter, the backlog stays full, and ingest keeps saying 429.
    const during: number[] = [];
    while (Date.now() - downSince < DOWN_MS) {
      await sleep(1500);
      during.push((await t.api('POST', `/api/flows/${flowId}/ingest`, { late: true })).status);
    }
    expect(new Set(during)).toEqual(new Set([429]));
    expect(await backlog(t, flowId)).toBe(MAX_BACKLOG);
    const { rows: dl } = await t.pool.query('SELECT count(*)::int AS n FROM dead_letters WHERE flow_id = $1', [flowId]);
    expect(dl[0].n).toBe(0);
    const attemptsByKey = new Map<string, number[]>();
    for (const h of receiver.hits) attemptsByKey.set(h.key, [...(attemptsByKey.get(h.key) ?? []), h.at]);
    expect(attemptsByKey.size).toBe(MAX_BACKLOG / 10); // every batch was tried…
    for (const times of attemptsByKey.values()) {
      expect(times.length).toBeGreaterThanOrEqual(3); // …several times…
      // …waiting between tries (first retry after ≥ 1 s; a little slack for timer granularity).
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(900);
    }

    // The sink comes back: everything drains, each record delivered exactly once.
    receiver.behaviour.status = 200;
    const backAt = Date.now();
    await waitFor('the backlog to drain', async () => ((await backlog(t, flowId)) === 0 ? true : undefined), 30_000, 200);
    const drainedMs = Date.now() - backAt;
    const delivered = receiver.delivered();
    const deliveredIds = delivered.flatMap((h) => h.ids);
    expect(new Set(delivered.map((h) => h.key)).size).toBe(delivered.length); // no batch twice
    expect(deliveredIds.length).toBe(accepted.length); // no record twice…
    expect(new Set(deliveredIds)).toEqual(new Set(accepted)); // …and none missing

    // And ingest accepts again.
    await waitFor('ingest to accept again', async () => ((await t.api('POST', `/api/flows/${flowId}/ingest`, { after: true })).status === 202 ? true : undefined), 10_000, 300);
    console.info(
      `[chaos] sink down ${DOWN_MS} ms: accepted ${accepted.length}, then 429 (Retry-After ${refused!.retryAfter}); ${receiver.hits.length - delivered.length} refused attempts; ` +
        `drained ${delivered.length} batches / ${deliveredIds.length} records in ${drainedMs} ms after it came back; duplicates 0; dead letters 0`,
    );
  });
});

/**
 * A fast flow measured alone, then beside `slowFlows` flows whose sink answers after 1 s, all on one
 * worker with 8 slots. Each slow flow gets 16 chunks of 50 records: at 8 requests at a time and 1 s
 * each, a chunk needs about 7 s of sink time, longer than the whole fast measurement; run to the end
 * in one go, two such flows' chunks fill all 8 slots (measured: the fast flow's p95 went to 15 s).
 */
function slowSinkScenario(slowFlows: number) {
  let t: TestSluice;
  let slow: Receiver;
  let fast: Receiver;
  beforeAll(async () => {
    t = await startTestSluice({ workerConcurrency: 8 });
    slow = await startControlledReceiver({ status: 200, delayMs: 1000 });
    fast = await startControlledReceiver({ status: 200, delayMs: 0 });
  });
  afterAll(async () => {
    // Closing the slow receiver first fails its requests at once, so the worker can stop promptly.
    await slow?.close();
    await fast?.close();
    await t?.stop();
  });

  /** Sends `requests` ingest calls of `size` records to the fast flow, `gapMs` apart; per-record latency (ms) and records/s. */
  async function fastLoad(flowId: string, requests: number, size: number, gapMs: number, waitMs: number) {
    const sentAt = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < requests; i++) {
      const res = await t.api<{ ids: string[] }>('POST', `/api/flows/${flowId}/ingest`, Array.from({ length: size }, (_, j) => ({ i, j })));
      expect(res.status).toBe(202);
      const now = Date.now();
      for (const id of res.body.ids) sentAt.set(id, now);
      await sleep(gapMs);
    }
    const arrived = new Map<string, number>();
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      for (const h of fast.delivered()) if (sentAt.has(h.key) && !arrived.has(h.key)) arrived.set(h.key, h.at);
      if (arrived.size === sentAt.size) break;
      await sleep(100);
    }
    const latencies = [...arrived].map(([id, at]) => at - sentAt.get(id)!);
    const last = arrived.size > 0 ? Math.max(...arrived.values()) : Date.now();
    return {
      sent: sentAt.size,
      delivered: arrived.size,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
      perSecond: arrived.size / ((last - started) / 1000),
    };
  }

  it(`keeps the fast flow flowing while ${slowFlows === 1 ? 'a slow flow’s chunks occupy' : `${slowFlows} slow flows’ chunks occupy`} worker slots (no head-of-line blocking)`, async () => {
    const retry = { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 200 };
    const fastId = await deploy(t, httpFlow('fast', fast.url, { batchSize: 1, retry }, { chunkSize: 50 }));
    const slowIds: string[] = [];
    for (let f = 0; f < slowFlows; f++) slowIds.push(await deploy(t, httpFlow(`slow ${f}`, slow.url, { batchSize: 1, retry }, { chunkSize: 50 })));

    // Without the slow flows: 20 calls of 10 records, 100 ms apart.
    const alone = await fastLoad(fastId, 20, 10, 100, 15_000);
    expect(alone.delivered).toBe(alone.sent);

    for (const slowId of slowIds) {
      for (let i = 0; i < 8; i++) {
        const res = await t.api('POST', `/api/flows/${slowId}/ingest`, Array.from({ length: 100 }, (_, j) => ({ slow: i * 100 + j })));
        expect(res.status).toBe(202);
      }
    }
    await waitFor('the slow flows to start delivering', async () => (slow.hits.length > 0 ? true : undefined), 10_000, 50);
    const busy = await t.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_at IS NOT NULL");

    const beside = await fastLoad(fastId, 20, 10, 100, 20_000);
    let slowWaiting = 0;
    for (const slowId of slowIds) slowWaiting += await backlog(t, slowId);
    console.info(
      `[chaos] ${slowFlows} slow flow(s), worker concurrency 8 (${busy.rows[0]!.n} jobs locked once they started): fast flow alone p50 ${alone.p50} ms, p95 ${alone.p95} ms, max ${alone.max} ms, ${alone.perSecond.toFixed(0)} rec/s; ` +
        `beside them ${beside.delivered}/${beside.sent} delivered within 20 s, p50 ${beside.p50} ms, p95 ${beside.p95} ms, max ${beside.max} ms, ` +
        `${beside.perSecond.toFixed(0)} rec/s (slow flows still holding ${slowWaiting} records)`,
    );
    // Not starved: everything gets through, and p95 latency stays within 2 s of what it was alone
    // (head-of-line blocking measured 15 s here: the fast flow waited for the slow chunks to finish).
    expect(beside.delivered, 'fast-flow records delivered while the slow flows ran').toBe(beside.sent);
    expect(beside.p95, 'fast-flow p95 latency beside the slow flows, ms').toBeLessThan(alone.p95 + 2000);
  });
}

describe('chaos: a slow sink beside a fast one on the same worker', () => {
  slowSinkScenario(1);
});

// Two flows writing to the same slow endpoint (say, one CRM behind two flows) is ordinary; between
// them they must still leave the worker to the others.
describe('chaos: two slow sinks beside a fast one on the same worker', () => {
  slowSinkScenario(2);
});
