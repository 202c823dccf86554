// The seed's five alerts, each driven by a real flow from quiet to firing and back to resolved, with
// small windows set on the flow; notifications go to a local receiver that checks the signature.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_SIGNATURE_HEADER, type Alert, type AlertHistoryPage, type AlertNotification, type AlertRule, type FlowAlertSettings, type Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { evenFlow } from './fixtures.js';

const SECRET = 'a signing secret for the tests';

interface Notification {
  body: AlertNotification;
  signatureValid: boolean;
}

/** An alert receiver on 127.0.0.1: checks every signature; answers 503 to its very first request. */
async function startAlertReceiver() {
  const notifications: Notification[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      requests += 1;
      if (requests === 1) {
        res.writeHead(503).end();
        return;
      }
      const raw = Buffer.concat(parts).toString('utf8');
      const header = String(req.headers[ALERT_SIGNATURE_HEADER] ?? '');
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
      const expected = match ? createHmac('sha256', SECRET).update(`${match[1]}.${raw}`).digest() : null;
      const fresh = match ? Math.abs(Date.now() / 1000 - Number(match[1])) < 300 : false;
      const signatureValid = !!match && fresh && timingSafeEqual(Buffer.from(match[2]!, 'hex'), expected!);
      notifications.push({ body: JSON.parse(raw) as AlertNotification, signatureValid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    notifications,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A target for sink.http: `answer(body)` may delay and picks the status. */
async function startTarget(answer: (body: { n: number }) => Promise<number> | number) {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void Promise.resolve(answer(JSON.parse(Buffer.concat(parts).toString('utf8')) as { n: number })).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function httpFlow(name: string, url: string, extra: Record<string, unknown> = {}): Graph {
  const at = { x: 0, y: 0 };
  return {
    name,
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: at },
      { id: 'out', type: 'sink.http', config: { url, timeoutMs: 60_000, retry: { strategy: 'fixed', maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 }, ...extra }, position: at },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
  };
}

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));

// Windows that count records are 4–5 s here, not less: workers flush their counts once a second
// into one-second buckets, so records stay inside a window of W seconds for as little as W − 2 s of
// evaluations. A 2 s window could let a loaded machine's evaluator miss them altogether.
describe('alerts: the five rules from firing to resolved, with signed notifications', () => {
  let t: TestSluice;
  let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

  beforeAll(async () => {
    t = await startTestSluice({ alertIntervalMs: 300 });
    receiver = await startAlertReceiver();
    const channel = await t.api('POST', '/api/alert-channels', {
      name: 'test receiver',
      url: receiver.url,
      secret: SECRET,
      retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 },
    });
    expect(channel.status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  async function createFlow(graph: Graph, alerts: FlowAlertSettings): Promise<string> {
    const created = await t.api<{ id: string }>('POST', '/api/flows', { ...graph, settings: { alerts } });
    expect(created.status).toBe(201);
    const deployed = await t.api('POST', `/api/flows/${created.body.id}/deploy`);
    expect(deployed.status).toBe(200);
    return created.body.id;
  }

  // Every wait here is shorter than the test's own timeout, so a stuck step names itself.
  const STEP_MS = 25_000;

  function notified(flowId: string, rule: AlertRule, state: 'firing' | 'resolved'): Promise<Notification> {
    return waitFor(
      `a ${state} ${rule} notification`,
      async () => receiver.notifications.find((n) => n.body.alert.flowId === flowId && n.body.alert.rule === rule && n.body.alert.state === state),
      STEP_MS,
    );
  }

  function stateOf(flowId: string, rule: AlertRule, state: Alert['state']): Promise<Alert> {
    return waitFor(
      `the ${rule} alert ${state}`,
      async () => {
        const a = await alertOf(flowId, rule);
        return a?.state === state ? a : undefined;
      },
      STEP_MS,
    );
  }

  async function alertOf(flowId: string, rule: AlertRule): Promise<Alert | undefined> {
    const res = await t.api<{ items: Alert[] }>('GET', `/api/alerts?state=all&flowId=${flowId}`);
    return res.body.items.find((a) => a.rule === rule);
  }

  it('high_error_rate: a sink that answers 500 to half the records fires it; clean traffic resolves it', async () => {
    const target = await startTarget((body) => (body.n % 2 === 1 ? 500 : 200));
    try {
      const flowId = await createFlow(httpFlow('errors', target.url), { high_error_rate: { forSeconds: 0.5, windowSeconds: 4 } });
      expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(20))).status).toBe(202);
      const firing = await notified(flowId, 'high_error_rate', 'firing');
      expect(firing.signatureValid).toBe(true);
      expect(firing.body.alert.threshold).toBe(0.05);
      expect(firing.body.alert.value).toBeGreaterThan(0.4);
      expect(firing.body.alert.flowName).toBe('errors');
      // Errors age out of the 4 s window: resolved, and the receiver hears that too.
      const resolved = await notified(flowId, 'high_error_rate', 'resolved');
      expect(resolved.signatureValid).toBe(true);
      const history = await t.api<AlertHistoryPage>('GET', `/api/alerts/history?flowId=${flowId}&rule=high_error_rate`);
      expect(history.body.items.map((e) => e.state).reverse()).toEqual(['pending', 'firing', 'resolved']);
      // The receiver refused its first request with 503: delivery was retried, not lost.
      expect(receiver.requests()).toBeGreaterThan(receiver.notifications.length);
    } finally {
      await target.close();
    }
  });

  it('data_flow_stopped: a flow with traffic that goes quiet for its window fires; new records resolve it', async () => {
    const flowId = await createFlow(evenFlow('quiet'), { data_flow_stopped: { windowSeconds: 2 } });
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, [{ n: 2 }])).status).toBe(202);
    const firing = await notified(flowId, 'data_flow_stopped', 'firing');
    expect(firing.signatureValid).toBe(true);
    expect(firing.body.alert.value).toBeGreaterThanOrEqual(2);
    expect(firing.body.alert.message).toMatch(/no records in/);
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, [{ n: 4 }])).status).toBe(202);
    await notified(flowId, 'data_flow_stopped', 'resolved');
  });

  it('sla_breach: a slow sink breaks a small p95 threshold set on the flow, and it resolves once deliveries stop', async () => {
    const target = await startTarget(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 200;
    });
    try {
      const flowId = await createFlow(httpFlow('slow', target.url), { sla_breach: { threshold: 100, forSeconds: 0, windowSeconds: 5 } });
      expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(4))).status).toBe(202);
      const firing = await notified(flowId, 'sla_breach', 'firing');
      expect(firing.signatureValid).toBe(true);
      expect(firing.body.alert.threshold).toBe(100);
      expect(firing.body.alert.value).toBeGreaterThan(100);
      await notified(flowId, 'sla_breach', 'resolved');
    } finally {
      await target.close();
    }
  });

  it('data_quality_degradation: half the records failing validation fires it; it resolves when they age out', async () => {
    const flowId = await createFlow(evenFlow('quality'), { data_quality_degradation: { forSeconds: 0, windowSeconds: 5 } });
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(10))).status).toBe(202);
    const firing = await notified(flowId, 'data_quality_degradation', 'firing');
    expect(firing.signatureValid).toBe(true);
    expect(firing.body.alert.value).toBe(0.5);
    expect(firing.body.alert.threshold).toBe(0.95);
    await notified(flowId, 'data_quality_degradation', 'resolved');
  });

  it('queue_backlog_growing: records held by a stuck sink fire it; it resolves once they are delivered', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const target = await startTarget(async () => {
      await released;
      return 200;
    });
    try {
      const flowId = await createFlow(httpFlow('backlog', target.url), { queue_backlog_growing: { threshold: 5, forSeconds: 0 } });
      expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(12))).status).toBe(202);
      const firing = await notified(flowId, 'queue_backlog_growing', 'firing');
      expect(firing.signatureValid).toBe(true);
      expect(firing.body.alert.value).toBe(12);
      release();
      await notified(flowId, 'queue_backlog_growing', 'resolved');
      expect((await alertOf(flowId, 'queue_backlog_growing'))?.state).toBe('resolved');
    } finally {
      release();
      await target.close();
    }
  });

  it('acknowledges and silences an alert; a silenced alert sends nothing', async () => {
    const flowId = await createFlow(evenFlow('silenced'), { data_quality_degradation: { forSeconds: 0, windowSeconds: 5 } });
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(10))).status).toBe(202);
    const alert = await stateOf(flowId, 'data_quality_degradation', 'firing');
    const acked = await t.api<Alert>('POST', `/api/alerts/${alert.id}/acknowledge`);
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('admin@test.local');
    expect((await t.api('POST', `/api/alerts/${alert.id}/silence`, { minutes: 0 })).status).toBe(400);
    const ofFlow = () => receiver.notifications.filter((n) => n.body.alert.flowId === flowId).map((n) => n.body.alert.state);
    // Silenced at once, while it still fires (its records have seconds left in the window)…
    const silenced = await t.api<Alert>('POST', `/api/alerts/${alert.id}/silence`, { minutes: 30 });
    expect(silenced.status).toBe(200);
    expect(silenced.body.state).toBe('firing');
    expect(Date.parse(silenced.body.silencedUntil!) - Date.now()).toBeGreaterThan(29 * 60_000);
    // …its firing, which came before the silence, was still sent.
    await notified(flowId, 'data_quality_degradation', 'firing');
    // It resolves (records age out of the window) without telling the receiver.
    await stateOf(flowId, 'data_quality_degradation', 'resolved');
    expect((await t.api('POST', `/api/flows/${flowId}/ingest`, records(10))).status).toBe(202);
    const again = await stateOf(flowId, 'data_quality_degradation', 'firing');
    expect(again.acknowledgedAt).toBeNull(); // a new episode needs a new acknowledgement
    // Neither the resolution nor the new firing was sent while silenced.
    expect(ofFlow()).toEqual(['firing']);
    // The history pages with a cursor, newest first.
    const first = await t.api<AlertHistoryPage>('GET', `/api/alerts/history?flowId=${flowId}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await t.api<AlertHistoryPage>('GET', `/api/alerts/history?flowId=${flowId}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0]!.id).toBeLessThan(first.body.items[1]!.id);
    expect((await t.api('POST', '/api/alerts/not-a-number/acknowledge')).status).toBe(404);
    expect((await t.api('POST', '/api/alerts/999999/silence', { minutes: 5 })).status).toBe(404);
    // Who acknowledged and who silenced, for how long, is in the audit log.
    const audit = await t.pool.query(`SELECT action, actor, resource_type, details FROM audit_log WHERE resource_id = $1 ORDER BY id`, [String(alert.id)]);
    expect(audit.rows).toEqual([
      { action: 'alert.acknowledge', actor: 'admin@test.local (token "test harness")', resource_type: 'alert', details: { flowId, rule: 'data_quality_degradation' } },
      { action: 'alert.silence', actor: 'admin@test.local (token "test harness")', resource_type: 'alert', details: { flowId, rule: 'data_quality_degradation', minutes: 30 } },
    ]);
  });

  it('keeps channel signing secrets sealed at rest, never answers one it was given, and audits adding and removing a channel', async () => {
    const secret = 'a signing secret only the receiver knows';
    const created = await t.api<{ id: string; secret: string }>('POST', '/api/alert-channels', { name: 'audited', url: 'http://127.0.0.1:9/hook/T0KEN-IN-PATH', secret });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(secret);
    const stored = (await t.pool.query<{ secret: string }>('SELECT secret FROM alert_channels WHERE id = $1', [created.body.id])).rows[0]!.secret;
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/^v1\./); // the vault's envelope
    const list = await t.api<{ items: Record<string, unknown>[] }>('GET', '/api/alert-channels');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect((await t.api('DELETE', `/api/alert-channels/${created.body.id}`)).status).toBe(204);
    const audit = await t.pool.query(`SELECT action, details FROM audit_log WHERE resource_type = 'alert_channel' AND resource_id = $1 ORDER BY id`, [created.body.id]);
    expect(audit.rows).toEqual([
      { action: 'alert_channel.create', details: { name: 'audited', host: '127.0.0.1:9', format: 'webhook', flowIds: [] } },
      { action: 'alert_channel.delete', details: { name: 'audited' } },
    ]);
    expect(JSON.stringify(audit.rows)).not.toMatch(/T0KEN-IN-PATH|only the receiver knows/);
  });

  it('refuses a bad channel with the field at fault', async () => {
    const bad = await t.api<{ error: { message: string } }>('POST', '/api/alert-channels', { name: 'x', url: 'ftp://example' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^body\.url/);
    const short = await t.api<{ error: { message: string } }>('POST', '/api/alert-channels', { name: 'x', url: 'http://127.0.0.1:1/x', secret: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/^body\.secret/);
    const list = await t.api<{ items: Record<string, unknown>[] }>('GET', '/api/alert-channels');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('secret');
  });
});

describe('alerts: data_flow_stopped when no worker moves the records, and a Slack-compatible channel', () => {
  it('fires when due records wait longer than the window with no worker, and resolves once a worker runs them', async () => {
    // A server without a worker: records are accepted and then wait.
    const t = await startTestSluice({ role: 'server', alertIntervalMs: 300 });
    const slack: { text: string }[] = [];
    const server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        slack.push(JSON.parse(Buffer.concat(parts).toString('utf8')) as { text: string });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    let worker: Awaited<ReturnType<typeof import('../src/sluice.js').startSluice>> | null = null;
    try {
      const created = await t.api<{ id: string }>('POST', '/api/flows', { ...evenFlow('stuck'), settings: { alerts: { data_flow_stopped: { windowSeconds: 1 } } } });
      const flowId = created.body.id;
      expect((await t.api('POST', `/api/flows/${flowId}/deploy`)).status).toBe(200);
      const channel = await t.api<{ secret: string }>('POST', '/api/alert-channels', {
        name: 'chat',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        format: 'slack',
        flowIds: [flowId],
      });
      expect(channel.status).toBe(201);
      expect(channel.body.secret.length).toBeGreaterThanOrEqual(32); // generated, shown once
      expect((await t.api('POST', `/api/flows/${flowId}/ingest`, [{ n: 2 }])).status).toBe(202);
      const firing = await waitFor('data_flow_stopped firing', async () => {
        const res = await t.api<{ items: Alert[] }>('GET', `/api/alerts?flowId=${flowId}`);
        return res.body.items.find((a) => a.rule === 'data_flow_stopped' && a.state === 'firing');
      });
      expect(firing.message).toMatch(/no worker has moved any of them/);
      // Notifications are jobs too: they go out once a worker runs.
      const { startSluice } = await import('../src/sluice.js');
      const { quietLogger, TEST_DATA_DIR } = await import('./harness.js');
      worker = await startSluice({ databaseUrl: t.databaseUrl, role: 'worker', logger: quietLogger, workerPollIntervalMs: 200, alertIntervalMs: 300, egressAllow: ['127.0.0.1'], dataDir: TEST_DATA_DIR });
      await waitFor('resolved once the worker ran the chunk', async () => {
        const res = await t.api<{ items: Alert[] }>('GET', `/api/alerts?state=all&flowId=${flowId}`);
        return res.body.items.find((a) => a.rule === 'data_flow_stopped')?.state === 'resolved' ? true : undefined;
      });
      const texts = await waitFor('both Slack messages', async () => (slack.length >= 2 ? slack.map((m) => m.text) : undefined));
      expect(texts[0]).toMatch(/^:rotating_light: FIRING \*data_flow_stopped\* on flow “stuck”: records have waited/);
      expect(texts[1]).toMatch(/RESOLVED \*data_flow_stopped\* on flow “stuck”/);
    } finally {
      if (worker) await worker.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await t.stop();
    }
  });
});

describe('alerts: one evaluator at a time across processes', () => {
  it('lets exactly one of two processes evaluate when an evaluation is due', async () => {
    // Hour-long intervals: the timers stay out of the way and only the explicit ticks run.
    const t = await startTestSluice({ alertIntervalMs: 3_600_000 });
    const { startSluice } = await import('../src/sluice.js');
    const { quietLogger } = await import('./harness.js');
    const second = await startSluice({ databaseUrl: t.databaseUrl, role: 'server', logger: quietLogger, port: 0, alertIntervalMs: 3_600_000, admin: { password: 'unused password 1' }, dataDir: '/tmp/sluice-test-unused' });
    try {
      await deployFlow(t, evenFlow('lock'));
      for (let round = 0; round < 3; round++) {
        await t.pool.query('DELETE FROM alert_evaluations');
        const ran = await Promise.all([t.sluice.alerts.tick(), second.alerts.tick()]);
        expect(ran.filter(Boolean)).toHaveLength(1);
        // Just evaluated: not due again for an interval, whoever asks.
        expect(await Promise.all([t.sluice.alerts.tick(), second.alerts.tick()])).toEqual([false, false]);
      }
    } finally {
      await second.close();
      await t.stop();
    }
  });
});
