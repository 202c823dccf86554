// The egress guard: what the server's fetch refuses (metadata, link-local, private without the allow
// list, a redirect into any of them) and what it lets through; and a refused sink.http request ends
// as a dead letter with the reason, not as retries.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressRefusedError } from '@sluice/nodes';
import type { Graph, Run } from '@sluice/shared';
import { assertEgressAllowed, createEgressFetch, egressPolicy, refusal } from '../src/egress/guard.js';
import { api, deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';

type DeadLetterItem = { nodeId: string; attempts: number; error: { kind: string; message: string } };

/** Deploys a flow whose sinks all refuse, posts one record, and returns its `count` dead letters by node. */
async function oneRecordsDeadLetters(t: TestSluice, graph: Graph, count: number): Promise<Record<string, DeadLetterItem>> {
  const flow = await deployFlow(t, graph);
  expect((await t.api('POST', `/api/flows/${flow.id}/ingest`, [{ n: 1 }])).status).toBe(202);
  const items = await waitFor(`${count} dead letters`, async () => {
    const page = await t.api<{ items: DeadLetterItem[] }>('GET', `/api/flows/${flow.id}/dead-letters`);
    return page.body.items.length === count ? page.body.items : undefined;
  });
  return Object.fromEntries(items.map((i) => [i.nodeId, i]));
}

describe('the egress guard', () => {
  let server: http.Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (req.url === '/to-private') res.writeHead(307, { location: 'http://10.1.2.3/inside' }).end();
      else if (req.url === '/to-ok') res.writeHead(302, { location: '/ok' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses the cloud metadata address always, even when the allow list would cover it', async () => {
    const open = createEgressFetch(egressPolicy(['169.254.0.0/16', '127.0.0.1']));
    await expect(open('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(EgressRefusedError);
    await expect(open('http://[fe80::1]/')).rejects.toThrow(/link-local/);
    await expect(open('http://[::ffff:169.254.169.254]/')).rejects.toThrow(EgressRefusedError);
    await expect(open('http://metadata.google.internal/computeMetadata/v1/')).rejects.toThrow(/metadata/);
  });

  it('refuses private and loopback addresses unless SLUICE_EGRESS_ALLOW lists them', async () => {
    const closed = createEgressFetch(egressPolicy([]));
    await expect(closed(`${base}/ok`)).rejects.toThrow(/private or loopback.*SLUICE_EGRESS_ALLOW/);
    await expect(closed('http://10.0.0.1/')).rejects.toThrow(EgressRefusedError);
    await expect(closed('http://192.168.1.1/')).rejects.toThrow(EgressRefusedError);
    await expect(closed('http://[fd12::1]/')).rejects.toThrow(EgressRefusedError);
    // A host name is checked on the address it resolves to, at connect time.
    await expect(closed(`${base.replace('127.0.0.1', 'localhost')}/ok`)).rejects.toThrow(EgressRefusedError);
    expect(hits).toEqual([]);

    const allowed = createEgressFetch(egressPolicy(['127.0.0.0/8']));
    const res = await allowed(`${base}/ok`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    // localhost resolves to ::1 and 127.0.0.1: the socket gets only the address the list allows.
    const byName = await createEgressFetch(egressPolicy(['127.0.0.1']))(`${base.replace('127.0.0.1', 'localhost')}/ok`);
    expect(byName.status).toBe(200);
    await byName.body?.cancel();
    expect(refusal(egressPolicy(['crm.internal']), '10.0.0.5', 'crm.internal')).toBeNull();
    expect(refusal(egressPolicy([]), '93.184.216.34', 'example.com')).toBeNull();
  });

  it('checks every redirect: a local redirect to the metadata address or a private one is refused', async () => {
    const open = createEgressFetch(egressPolicy(['127.0.0.1']));
    await expect(open(`${base}/to-metadata`)).rejects.toThrow(/169\.254\.169\.254.*never sends there/);
    await expect(open(`${base}/to-private`)).rejects.toThrow(/10\.1\.2\.3.*private/);
    const followed = await open(`${base}/to-ok`);
    expect(followed.status).toBe(200);
    expect(followed.url === '' || followed.url.endsWith('/ok')).toBe(true);
    // 'manual' hands the redirect back untouched, as sink.http asks.
    expect((await open(`${base}/to-metadata`, { redirect: 'manual' })).status).toBe(302);
  });

  it('rejects an allow list entry that is not an address, CIDR or host name', () => {
    expect(() => egressPolicy(['10.0.0.0/33'])).toThrow(/not a valid CIDR/);
    expect(() => egressPolicy(['http://x/'])).toThrow(/neither/);
  });
});

describe('a refused request in a flow', () => {
  let t: TestSluice;
  beforeAll(async () => {
    // No allow list at all: even the test Postgres on loopback is out of reach for sinks.
    t = await startTestSluice({ egressAllow: [] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses database connections of sink.postgres the same way: permanent, with the reason', async () => {
    const sink = (id: string, connectionString: string) => ({
      id,
      type: 'sink.postgres',
      config: { connectionString, table: 'egress_out', createTable: true, columns: [{ name: 'n', type: 'integer' }], retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 } },
      position: { x: 0, y: 0 },
    });
    const graph: Graph = {
      name: 'ssrf-pg',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
        sink('loopback', t.databaseUrl),
        sink('meta', 'postgresql://u@169.254.169.254:5432/db'),
        sink('named', t.databaseUrl.replace('127.0.0.1', 'localhost')),
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'loopback' },
        { id: 'e2', source: 'in', sourcePort: 'out', target: 'meta' },
        { id: 'e3', source: 'in', sourcePort: 'out', target: 'named' },
      ],
    };
    const byNode = await oneRecordsDeadLetters(t, graph, 3);
    for (const node of ['loopback', 'meta', 'named']) {
      expect(byNode[node]!.error.kind, node).toBe('permanent');
      expect(byNode[node]!.attempts, node).toBe(1);
    }
    expect(byNode.loopback!.error.message).toMatch(/127\.0\.0\.1 is a private or loopback address; list it in SLUICE_EGRESS_ALLOW/);
    expect(byNode.meta!.error.message).toMatch(/169\.254\.169\.254 is a link-local, metadata or reserved address/);
    expect(byNode.named!.error.message).toMatch(/localhost .* private or loopback/);
    const { rows } = await t.pool.query(`SELECT to_regclass('egress_out') AS t`);
    expect(rows[0].t).toBeNull();
  });

  it('is a permanent failure: one dead letter with the reason, no retries', async () => {
    const graph: Graph = {
      name: 'ssrf',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
        { id: 'meta', type: 'sink.http', config: { url: 'http://169.254.169.254/latest/meta-data/iam', retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 } }, position: { x: 0, y: 0 } },
        { id: 'private', type: 'sink.http', config: { url: 'http://10.9.8.7/hook', retry: { strategy: 'fixed', maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 } }, position: { x: 0, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'meta' },
        { id: 'e2', source: 'in', sourcePort: 'out', target: 'private' },
      ],
    };
    const byNode = await oneRecordsDeadLetters(t, graph, 2);
    expect(byNode.meta!.error.kind).toBe('permanent');
    expect(byNode.meta!.attempts).toBe(1);
    expect(byNode.meta!.error.message).toMatch(/169\.254\.169\.254 is a link-local, metadata or reserved address/);
    expect(byNode.private!.error.message).toMatch(/10\.9\.8\.7 is a private or loopback address; list it in SLUICE_EGRESS_ALLOW/);
    expect(byNode.private!.attempts).toBe(1);
  });
});

describe('the guard for connections nodes and the server open themselves', () => {
  let t: TestSluice;
  const lines: Record<string, unknown>[] = [];
  /** The first log line with this message whose fields match. */
  const logged = (msg: string, fields: Record<string, unknown>) =>
    waitFor(`"${msg}" in the log`, async () => lines.find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v)));
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // Nothing allowed: the brokers and MariaDB on loopback are out of reach too.
    t = await startTestSluice({ egressAllow: [], logger: pino({ level: 'info' }, sink) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('assertEgressAllowed checks a broker URL before a client connects', async () => {
    await expect(assertEgressAllowed(egressPolicy([]), 'amqp://guest:guest@169.254.169.254:5672')).rejects.toThrow(/169\.254\.169\.254 is a link-local, metadata or reserved address/);
    await expect(assertEgressAllowed(egressPolicy(['169.254.0.0/16']), 'redis://169.254.169.254:6379')).rejects.toThrow(EgressRefusedError);
    await expect(assertEgressAllowed(egressPolicy([]), 'nats://metadata.google.internal:4222')).rejects.toThrow(/cloud metadata/);
    await expect(assertEgressAllowed(egressPolicy([]), 'mqtt://127.0.0.1:1883')).rejects.toThrow(/private or loopback/);
    await expect(assertEgressAllowed(egressPolicy(['127.0.0.1']), 'mqtt://127.0.0.1:1883')).resolves.toBeUndefined();
    await expect(assertEgressAllowed(egressPolicy([]), '10.0.0.5:4222')).rejects.toThrow(/10\.0\.0\.5 is a private/);
  });

  it('dead-letters broker sink records for a refused broker at once, with the reason', async () => {
    const sink = (id: string, url: string) => ({ id, type: 'sink.redis', config: { url, stream: 'egress-out' }, position: { x: 0, y: 0 } });
    const graph: Graph = {
      name: 'ssrf-broker-sink',
      nodes: [{ id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } }, sink('meta', 'redis://169.254.169.254:6379'), sink('loopback', 'redis://127.0.0.1:6379')],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'meta' },
        { id: 'e2', source: 'in', sourcePort: 'out', target: 'loopback' },
      ],
    };
    const byNode = await oneRecordsDeadLetters(t, graph, 2);
    expect(byNode.meta!.error).toMatchObject({ kind: 'permanent', message: expect.stringMatching(/169\.254\.169\.254 is a link-local, metadata or reserved address/) });
    expect(byNode.loopback!.error).toMatchObject({ kind: 'permanent', message: expect.stringMatching(/127\.0\.0\.1 is a private or loopback address/) });
    expect(byNode.meta!.attempts).toBe(1);
  });

  it('shows a broker source whose broker is refused as an error with the reason', async () => {
    const graph: Graph = {
      name: 'ssrf-broker-source',
      nodes: [
        { id: 'q', type: 'source.amqp', config: { url: 'amqp://guest:guest@169.254.169.254:5672', queue: 'egress-in' }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.log', config: {}, position: { x: 200, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'q', sourcePort: 'out', target: 'out' }],
    };
    const flow = await deployFlow(t, graph);
    const row = await waitFor('the consumer in error', async () => {
      const { rows } = await t.pool.query<{ state: string; message: string | null }>('SELECT state, message FROM source_consumers WHERE flow_id = $1', [flow.id]);
      return rows[0]?.state === 'error' ? rows[0] : undefined;
    });
    expect(row.message).toMatch(/169\.254\.169\.254 is a link-local, metadata or reserved address/);
    expect(row.message).not.toContain('guest:guest');
  });

  it('fails a source.mysql run whose database is refused, with the reason', async () => {
    const run = async (connectionString: string) => {
      const graph: Graph = {
        name: `ssrf-mysql ${connectionString}`,
        nodes: [
          {
            id: 'src',
            type: 'source.mysql',
            config: { connectionString, query: 'SELECT 1 AS id', keyColumn: 'id', notify: { url: 'http://169.254.169.254/runs', on: 'always' } },
            position: { x: 0, y: 0 },
          },
          { id: 'out', type: 'sink.log', config: {}, position: { x: 200, y: 0 } },
        ],
        edges: [{ id: 'e1', source: 'src', sourcePort: 'out', target: 'out' }],
      };
      const flow = await deployFlow(t, graph);
      const started = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
      expect(started.status).toBe(201);
      return waitFor('the run to fail', async () => {
        const r = (await t.api<Run>('GET', `/api/flows/${flow.id}/runs/${started.body.id}`)).body;
        return r.status === 'running' ? undefined : r;
      }, 60_000);
    };
    const meta = await run('mysql://root@169.254.169.254:3306/test');
    expect(meta.status).toBe('failed');
    expect(meta.error).toMatch(/^the count was not run: 169\.254\.169\.254 is a link-local, metadata or reserved address/);
    const loopback = await run('mysql://root@127.0.0.1:3306/test');
    expect(loopback.status).toBe('failed');
    expect(loopback.error).toMatch(/127\.0\.0\.1 is a private or loopback address/);
    // Their notifications (to the metadata address) are refused and not tried again.
    for (const r of [meta, loopback]) {
      const line = await logged('run notification refused by the egress guard; not sent', { runId: r.id });
      expect(line.reason).toMatch(/169\.254\.169\.254 is a link-local, metadata or reserved address/);
    }
  }, 120_000);

  it('fails a source.http run whose API is on the metadata address, with the reason', async () => {
    const flow = await deployFlow(t, {
      name: 'ssrf-http-pull',
      nodes: [
        { id: 'src', type: 'source.http', config: { url: 'http://169.254.169.254/latest/meta-data/', itemsPath: 'data', keyPath: 'id', pagination: { type: 'offset' } }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.log', config: {}, position: { x: 200, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'src', sourcePort: 'out', target: 'out' }],
    });
    const started = await t.api<Run>('POST', `/api/flows/${flow.id}/runs`, {});
    expect(started.status).toBe(201);
    const run = await waitFor('the run to fail', async () => {
      const r = (await t.api<Run>('GET', `/api/flows/${flow.id}/runs/${started.body.id}`)).body;
      return r.status === 'running' ? undefined : r;
    });
    expect(run.status).toBe('failed');
    // At once: a refused address is not tried again like a page that failed.
    expect(run.error).toMatch(/^page 1 was not fetched: 169\.254\.169\.254 is a link-local, metadata or reserved address/);
  });

  it('refuses an alert webhook on the metadata address, and does not try it again', async () => {
    const flow = await deployFlow(t, { name: 'ssrf-alert', nodes: [{ id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } }, { id: 'out', type: 'sink.log', config: {}, position: { x: 200, y: 0 } }], edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }] });
    const channel = await t.api<{ id: string }>('POST', '/api/alert-channels', { name: 'metadata', url: 'http://169.254.169.254/latest/meta-data/', flowIds: [flow.id] });
    expect(channel.status).toBe(201);
    // A firing alert and its event, as the evaluator writes them, and the notification job it enqueues.
    const { rows } = await t.pool.query<{ id: string }>(
      `WITH a AS (INSERT INTO alerts (flow_id, rule, state, value, threshold, message, firing_at) VALUES ($1, 'high_error_rate', 'firing', '0.5', '0.1', 'half the records fail', now()) RETURNING id)
       INSERT INTO alert_events (alert_id, flow_id, rule, state, value, threshold, message) SELECT id, $1, 'high_error_rate', 'firing', '0.5', '0.1', 'half the records fail' FROM a RETURNING id`,
      [flow.id],
    );
    const eventId = Number(rows[0]!.id);
    await t.pool.query(`SELECT graphile_worker.add_job('send_alert', json_build_object('eventId', $1::bigint, 'channelId', $2::text, 'attempt', 1), max_attempts := 1)`, [eventId, channel.body.id]);
    const line = await logged('alert notification not delivered; giving up', { eventId, channelId: channel.body.id });
    expect(line.attempt).toBe(1);
    expect(line.reason).toMatch(/refused by the egress guard: 169\.254\.169\.254 is a link-local, metadata or reserved address/);
  });

  it('refuses to fetch a JWKS from the metadata address: 401 jwks_refused, audited', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const flow = await deployFlow(t, {
      name: 'ssrf-jwks',
      nodes: [
        { id: 'in', type: 'source.webhook', config: { auth: { type: 'jwt', jwksUrl: 'http://169.254.169.254/jwks.json', issuer: 'https://idp.test/', audience: 'sluice' } }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.log', config: {}, position: { x: 200, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
    });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://idp.test/').setAudience('sluice').setExpirationTime('5m').sign(privateKey);
    const res = await api<{ error: { message: string; details: { reason: string } } }>(t.url, 'POST', `/api/flows/${flow.id}/ingest`, [{ n: 1 }], { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.body.error.details.reason).toBe('jwks_refused');
    expect(res.body.error.message).toMatch(/SLUICE_EGRESS_ALLOW/);
    await waitFor('the refusal in the audit log', async () => {
      const { rows } = await t.pool.query(`SELECT 1 FROM audit_log WHERE action = 'ingest.denied' AND resource_id = $1 AND details->>'reason' = 'jwks_refused'`, [flow.id]);
      return rows.length === 1 ? true : undefined;
    });
  });
});
