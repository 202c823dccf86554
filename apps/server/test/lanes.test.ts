// A flow's lanes (graphile-worker named queues) against the real worker: a chunk that arrives while
// its lane is busy runs as soon as the lane is free, not when the worker next polls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '@sluice/shared';
import { startTestSluice, waitFor, type TestSluice } from './harness.js';

describe('lanes', () => {
  let t: TestSluice;
  let sink: http.Server;
  let sinkUrl = '';
  const arrived: { n: number; at: number }[] = [];
  let firstHeld: () => void = () => {};

  beforeAll(async () => {
    // A receiver that holds the first delivery until told, and answers the others at once.
    sink = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { n: number };
        arrived.push({ n: body.n, at: Date.now() });
        const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        if (body.n === 1) firstHeld = answer;
        else answer();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
    // A poll far longer than the test may take: only notifications and the lane re-check can start jobs.
    t = await startTestSluice({ workerPollIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => sink.close(r));
  });

  it('runs a chunk that came into a busy lane as soon as the lane frees, without waiting for the poll', async () => {
    const at = { x: 0, y: 0 };
    const graph: Graph & { settings: { parallelism: number } } = {
      name: 'one lane',
      settings: { parallelism: 1 },
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: at },
        { id: 'out', type: 'sink.http', config: { url: sinkUrl, batchSize: 1, timeoutMs: 20_000 }, position: at },
      ],
      edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
    };
    const created = await t.api<{ id: string }>('POST', '/api/flows', graph);
    expect(created.status).toBe(201);
    expect((await t.api('POST', `/api/flows/${created.body.id}/deploy`)).status).toBe(200);
    const post = async (n: number) => expect((await t.api('POST', `/api/flows/${created.body.id}/ingest`, { n })).status).toBe(202);

    await post(1);
    await waitFor('the first record to reach the sink', async () => (arrived.some((a) => a.n === 1) ? true : undefined), 20_000, 20);
    // The lane is busy with record 1: record 2's job is notified, found locked, and left.
    await post(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(arrived.some((a) => a.n === 2)).toBe(false);
    const freed = Date.now();
    firstHeld();
    const second = await waitFor('the second record to reach the sink', async () => arrived.find((a) => a.n === 2), 20_000, 20);
    expect(second.at - freed).toBeLessThan(5_000);
  });
});
