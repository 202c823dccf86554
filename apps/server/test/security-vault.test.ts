// The vault against the real server: write-only API, encrypted rows, `{ "$secret": name }` resolved
// into the running plan (never into the stored flow), 422 for a missing secret, key rotation by the
// real command, and no secret value in any answer or log line.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '@sluice/shared';
import { deployFlow, startTestSluice, waitFor, type TestSluice } from './harness.js';
import { loadKeyring, Keyring, generateKey, parseKey } from '../src/vault/keyring.js';
import { Vault } from '../src/vault/secrets.js';
import { openJson, sealJsonText } from '../src/vault/sealed-json.js';
import { randomUUID } from 'node:crypto';

const REPO = path.resolve(import.meta.dirname, '../../..');
const SECRET = 'Bearer crm-9f8e7d6c5b4a-top-secret';
const REPLACED = 'Bearer crm-replaced-0a1b2c3d-secret';

function headerFlow(url: string, authorization: unknown): Graph {
  return {
    name: 'vault',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'crm', type: 'sink.http', config: { url, headers: { Authorization: authorization }, retry: { strategy: 'fixed', maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 } }, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'crm' }],
  };
}

describe('the vault', () => {
  let t: TestSluice;
  let dataDir: string;
  const logs: string[] = [];
  const seen: (string | undefined)[] = [];
  let receiver: http.Server;
  let receiverUrl: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-vault-'));
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
    t = await startTestSluice({ logger, dataDir, keyring: loadKeyring({ dataDir }) });
    receiver = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume().on('end', () => res.writeHead(200).end('{}'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm`;
  });
  afterAll(async () => {
    await t?.stop();
    receiver?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates its key file with mode 0600 when no SLUICE_SECRET_KEY is given', () => {
    const stat = fs.statSync(path.join(dataDir, 'secret-key'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(path.join(dataDir, 'secret-key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('stores a secret encrypted, lists it without its value, replaces and deletes it', async () => {
    expect((await t.api('PUT', '/api/secrets/crm-token', { value: SECRET })).status).toBe(201);
    const list = await t.api<{ name: string; set: boolean; updatedAt: string; updatedBy: string }[]>('GET', '/api/secrets');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ name: 'crm-token', set: true, updatedAt: expect.any(String), updatedBy: 'admin@test.local' }]);
    expect(JSON.stringify(list.body)).not.toContain('crm-9f8e');

    const { rows } = await t.pool.query('SELECT * FROM secrets');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('crm-9f8e7d6c5b4a');
    expect(rows[0].key_id).toMatch(/^[0-9a-f]{16}$/);

    expect((await t.api('PUT', '/api/secrets/throwaway', { value: 'x' })).status).toBe(201);
    expect((await t.api('PUT', '/api/secrets/throwaway', { value: 'y' })).status).toBe(200);
    expect((await t.api('DELETE', '/api/secrets/throwaway')).status).toBe(204);
    expect((await t.api('DELETE', '/api/secrets/throwaway')).status).toBe(404);
  });

  it('refuses bad names and bodies with the field at fault, and every role but system_admin', async () => {
    const badBody = await t.api<{ error: { message: string } }>('PUT', '/api/secrets/crm-token', { value: '' });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.message).toMatch(/^body\.value/);
    const badName = await t.api<{ error: { message: string } }>('PUT', '/api/secrets/has%20space', { value: 'v' });
    expect(badName.status).toBe(400);
    expect(badName.body.error.message).toMatch(/^name/);
    const designer = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'designer', role: 'flow_designer' });
    const auth = { authorization: `Bearer ${designer.body.token}` };
    expect((await t.api('GET', '/api/secrets', undefined, auth)).status).toBe(403);
    expect((await t.api('PUT', '/api/secrets/crm-token', { value: 'stolen' }, auth)).status).toBe(403);
    expect((await t.api('GET', '/api/secrets', undefined, { authorization: '' })).status).toBe(401);
    // Whoever builds flows may see the names (to pick one in a node setting), never a value.
    const names = await t.api<string[]>('GET', '/api/secrets/names', undefined, auth);
    expect(names.status).toBe(200);
    expect(names.body).toEqual(['crm-token']);
    const consumer = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'consumer', role: 'data_consumer' });
    expect((await t.api('GET', '/api/secrets/names', undefined, { authorization: `Bearer ${consumer.body.token}` })).status).toBe(403);
  });

  it('detects a tampered ciphertext (GCM authentication) instead of returning garbage', async () => {
    const { rows } = await t.pool.query('SELECT ciphertext, iv, tag, key_id FROM secrets WHERE name = $1', ['crm-token']);
    const keyring = loadKeyring({ dataDir });
    const sealed = { keyId: rows[0].key_id, iv: Buffer.from(rows[0].iv, 'base64'), tag: Buffer.from(rows[0].tag, 'base64'), ciphertext: Buffer.from(rows[0].ciphertext, 'base64') };
    expect(keyring.open(sealed)).toBe(SECRET);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0]! ^= 1;
    expect(() => keyring.open({ ...sealed, ciphertext: flipped })).toThrow(/authenticate/);
  });

  it('refuses to deploy a flow whose secret is not set: 422 naming the node and config path', async () => {
    const created = await t.api<{ id: string }>('POST', '/api/flows', headerFlow(receiverUrl, { $secret: 'not-there' }));
    expect(created.status).toBe(201);
    const deploy = await t.api<{ error: { message: string; details: { errors: { nodeId: string; path: string; message: string }[] } } }>('POST', `/api/flows/${created.body.id}/deploy`);
    expect(deploy.status).toBe(422);
    expect(deploy.body.error.details.errors).toContainEqual({ nodeId: 'crm', path: 'config.headers.Authorization', message: expect.stringContaining('"not-there" is not set') });
    expect(deploy.body.error.message).toContain('"crm"');
  });

  it('refuses a secret where a node takes no credential, so it cannot be copied into records and shown', async () => {
    const designer = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'designer 2', role: 'flow_designer' });
    const graph: Graph = {
      name: 'exfiltrate',
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
        { id: 'copy', type: 'transform.map', config: { keepUnmapped: true, mappings: [{ target: 'leak', template: { $secret: 'crm-token' } }] }, position: { x: 0, y: 0 } },
        { id: 'out', type: 'sink.log', config: {}, position: { x: 0, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'copy' },
        { id: 'e2', source: 'copy', sourcePort: 'out', target: 'out' },
      ],
    };
    const dry = await t.api<{ error: { details: { errors: { nodeId: string; path: string; message: string }[] } } }>('POST', '/api/dry-run', { graph, records: [{ n: 1 }] }, { authorization: `Bearer ${designer.body.token}` });
    expect(dry.status).toBe(422);
    expect(dry.body.error.details.errors).toContainEqual({ nodeId: 'copy', path: 'config.mappings[0].template', message: expect.stringContaining('takes a credential') });
    expect(JSON.stringify(dry.body)).not.toContain('crm-9f8e');
  });

  it('resolves the reference into the running plan only: the receiver gets the value, the stored flow keeps the name', async () => {
    const flow = await deployFlow(t, headerFlow(receiverUrl, { $secret: 'crm-token' }));
    expect((await t.api('POST', `/api/flows/${flow.id}/ingest`, [{ n: 1 }])).status).toBe(202);
    await waitFor('the delivery', async () => (seen.length >= 1 ? true : undefined));
    expect(seen[0]).toBe(SECRET);

    const stored = await t.api<{ graph: Graph }>('GET', `/api/flows/${flow.id}`);
    expect(stored.body.graph.nodes[1]!.config.headers).toEqual({ Authorization: { $secret: 'crm-token' } });
    const versions = await t.pool.query('SELECT graph::text AS g FROM flow_versions WHERE flow_id = $1', [flow.id]);
    expect(versions.rows[0].g).not.toContain('crm-9f8e');

    // A replaced value reaches the next records (the process drops plans holding the old one).
    expect((await t.api('PUT', '/api/secrets/crm-token', { value: REPLACED })).status).toBe(200);
    expect((await t.api('POST', `/api/flows/${flow.id}/ingest`, [{ n: 2 }])).status).toBe(202);
    await waitFor('the second delivery', async () => (seen.length >= 2 ? true : undefined));
    expect(seen[1]).toBe(REPLACED);
  });

  it('re-encrypts every secret under a new key with `npm run vault:rotate`', async () => {
    const before = loadKeyring({ dataDir });
    const oldKey = fs.readFileSync(path.join(dataDir, 'secret-key'), 'utf8');
    // Alert channel signing secrets: one sealed by the API, one plain from before they were sealed.
    const channel = await t.api<{ id: string }>('POST', '/api/alert-channels', { name: 'sealed', url: 'https://hooks.example.com/a', secret: 'a sealed channel signing secret' });
    expect(channel.status).toBe(201);
    await t.pool.query(`INSERT INTO alert_channels (id, name, url, format, secret, retry, timeout_ms) SELECT gen_random_uuid(), 'legacy', url, format, 'a legacy plain signing secret', retry, timeout_ms FROM alert_channels WHERE id = $1`, [channel.body.id]);
    // Records at rest of a flow that encrypts them: a queued chunk (text) and a dead letter (jsonb).
    const flowId = randomUUID();
    const chunkText = '[{"id":"r1","correlationId":"c1","receivedAt":"t1","data":{"email":"jane@example.com"}}]';
    await t.pool.query(`INSERT INTO flows (id, name, graph, settings, salt) VALUES ($1, 'sealed records', '{}', '{}', 's')`, [flowId]);
    await t.pool.query(`INSERT INTO chunks (flow_id, version, node_id, record_count, records) VALUES ($1, 1, 'in', 1, $2)`, [flowId, sealJsonText(before, chunkText)]);
    await t.pool.query(
      `INSERT INTO dead_letters (flow_id, version, node_id, record_id, correlation_id, received_at, record, error) VALUES ($1, 1, 'in', $2, 'c1', now(), $3, '{"kind":"invalid","message":"m"}')`,
      [flowId, randomUUID(), sealJsonText(before, '{"email":"jane@example.com"}')],
    );
    await promisify(execFile)('npm', ['run', '--silent', 'vault:rotate'], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: t.databaseUrl, SLUICE_DATA_DIR: dataDir, SLUICE_SECRET_KEY: '', LOG_LEVEL: 'warn' },
    });
    const after = loadKeyring({ dataDir });
    expect(after.currentId).not.toBe(before.currentId);
    expect(fs.statSync(path.join(dataDir, 'secret-key')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dataDir, 'secret-key.previous'), 'utf8')).toBe(oldKey);

    const { rows } = await t.pool.query('SELECT key_id FROM secrets');
    expect(rows.map((r) => r.key_id)).toEqual([after.currentId]);
    // Only the new key opens it now; the old key alone cannot.
    const newKeyOnly = new Keyring(parseKey(fs.readFileSync(path.join(dataDir, 'secret-key'), 'utf8'), 'key'));
    expect((await new Vault(t.pool, newKeyOnly).valuesOf(['crm-token'])).get('crm-token')).toBe(REPLACED);
    await expect(new Vault(t.pool, new Keyring(parseKey(oldKey, 'old'))).valuesOf(['crm-token'])).rejects.toThrow(/does not have/);
    const chunk = await t.pool.query<{ records: string }>('SELECT records FROM chunks WHERE flow_id = $1', [flowId]);
    expect(openJson(newKeyOnly, JSON.parse(chunk.rows[0]!.records))).toEqual(JSON.parse(chunkText));
    const letter = await t.pool.query<{ record: unknown }>('SELECT record FROM dead_letters WHERE flow_id = $1', [flowId]);
    expect(openJson(newKeyOnly, letter.rows[0]!.record)).toEqual({ email: 'jane@example.com' });
    const channels = await t.pool.query<{ name: string; secret: string }>(`SELECT name, secret FROM alert_channels WHERE name IN ('sealed', 'legacy') ORDER BY name`);
    expect(channels.rows.map((r) => [r.name, newKeyOnly.openString(r.secret)])).toEqual([
      ['legacy', 'a legacy plain signing secret'],
      ['sealed', 'a sealed channel signing secret'],
    ]);
  });

  it('exports config JSON Schemas whose credential fields also accept a secret reference', async () => {
    const types = await t.api<{ type: string; configSchema: { properties: Record<string, { anyOf?: { title?: string; properties?: object }[]; additionalProperties?: { anyOf?: unknown[] } }> } }[]>('GET', '/api/node-types');
    const http = types.body.find((n) => n.type === 'sink.http')!.configSchema.properties;
    const pg = types.body.find((n) => n.type === 'sink.postgres')!.configSchema.properties;
    for (const field of [http.url!, pg.connectionString!]) {
      expect(field.anyOf).toHaveLength(2);
      expect(field.anyOf![1]).toMatchObject({ title: 'Secret', properties: { $secret: { type: 'string' } }, required: ['$secret'] });
    }
    expect(http.headers!.additionalProperties!.anyOf).toHaveLength(2);
    // Fields that hold no credential stay plain (a JSONata rule, a table name).
    expect(pg.table!.anyOf).toBeUndefined();
    expect(JSON.stringify(types.body)).not.toContain('secretRef');
  });

  it('gives processes starting at once on an empty data dir one and the same generated key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-key-race-'));
    try {
      const script = `import('${path.join(REPO, 'apps/server/src/vault/keyring.ts')}').then((m) => console.log(m.loadKeyring({ dataDir: process.argv[1] }).currentId))`;
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script, dir], { cwd: REPO })),
      );
      const ids = new Set(runs.map((r) => r.stdout.trim()));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^[0-9a-f]{16}$/);
      expect(fs.readdirSync(dir)).toEqual(['secret-key']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key that is not 32 bytes of base64', () => {
    expect(() => loadKeyring({ key: Buffer.alloc(16).toString('base64'), dataDir })).toThrow(/32 random bytes/);
    expect(() => loadKeyring({ key: generateKey(), dataDir })).not.toThrow();
  });

  it('never wrote a secret value to the log', () => {
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join('\n');
    expect(all).toContain('secret created');
    for (const value of [SECRET, REPLACED, 'crm-9f8e7d6c5b4a', 'crm-replaced-0a1b2c3d']) expect(all).not.toContain(value);
  });
});

describe('credential fields of the connectors', () => {
  it('take a vault secret wherever a password, key or signing secret lives', async () => {
    const { findNodeType } = await import('@sluice/nodes');
    const { secretFieldPatterns, takesSecret } = await import('../src/vault/secret-fields.js');
    const takes = (type: string, path: (string | number)[]) => takesSecret(secretFieldPatterns(findNodeType(type)!), path);
    expect(takes('source.webhook', ['auth', 'secret'])).toBe(true);
    expect(takes('source.webhook', ['auth', 'header'])).toBe(false);
    for (const type of ['source.amqp', 'sink.amqp', 'source.redis', 'sink.redis', 'source.mqtt', 'sink.mqtt']) expect(takes(type, ['url']), type).toBe(true);
    for (const type of ['source.nats', 'sink.nats']) expect(takes(type, ['servers']), type).toBe(true);
    for (const type of ['source.postgres', 'source.mysql']) expect(takes(type, ['connectionString']), type).toBe(true);
    expect(takes('source.http', ['headers', 'Authorization'])).toBe(true);
    expect(takes('source.postgres', ['notify', 'secret'])).toBe(true);
    expect(takes('source.postgres', ['query'])).toBe(false);
  });
});
