// The workers page's API: worker processes with their heartbeats and the jobs they run right now.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerList } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';

describe('workers: processes, heartbeats and running jobs', () => {
  let t: TestSluice;
  beforeAll(async () => {
    t = await startTestSluice();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists the worker process and the chunk job it holds for a flow whose sink is stuck', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const target = http.createServer((req, res) => {
      req.resume();
      void released.then(() => res.writeHead(200).end());
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/in`;
      const at = { x: 0, y: 0 };
      const flow = await deployFlow(t, {
        name: 'stuck',
        nodes: [
          { id: 'in', type: 'source.webhook', config: {}, position: at },
          { id: 'out', type: 'sink.http', config: { url, timeoutMs: 60_000 }, position: at },
        ],
        edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
      });
      await t.api('POST', `/api/flows/${flow.id}/ingest`, [{ n: 1 }]);
      const list = await waitFor('a running job', async () => {
        const res = await t.api<WorkerList>('GET', '/api/workers');
        expect(res.status).toBe(200);
        return res.body.items[0]?.jobs.length ? res.body : undefined;
      });
      expect(list.items).toHaveLength(1);
      const worker = list.items[0]!;
      expect(worker.id).toBe(t.sluice.worker!.reaper.processId);
      expect(worker.pid).toBe(process.pid);
      expect(worker.alive).toBe(true);
      expect(worker.heartbeatAgeSeconds).toBeLessThan(15);
      expect(worker.jobs).toHaveLength(1);
      expect(worker.jobs[0]).toMatchObject({ task: 'run_chunk', flowId: flow.id, flowName: 'stuck', attempts: 1 });
      release();
      await waitFor('the job done', async () => ((await t.api<WorkerList>('GET', '/api/workers')).body.items[0]?.jobs.length === 0 ? true : undefined));
    } finally {
      release();
      target.closeAllConnections();
      await new Promise<void>((r) => target.close(() => r()));
    }
  });
});
