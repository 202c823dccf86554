import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { startSluice, type Sluice } from '../src/sluice.js';
import { loadConfig } from '../src/config.js';
import { createTestDatabase, quietLogger, TEST_ADMIN } from './harness.js';
import { evenFlow } from './fixtures.js';

/** A CA, a server certificate for 127.0.0.1, and client certificates, made with openssl for this run. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const file = (name: string) => path.join(dir, name);
  const ca = (name: string, cn: string) => {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`);
  };
  const leaf = (name: string, subject: string, signer: string, ext: string) => {
    fs.writeFileSync(file(`${name}.ext`), ext);
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca', 'Sluice test CA');
  ca('other-ca', 'Somebody else');
  leaf('server', '/CN=127.0.0.1', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('producer', '/CN=orders-producer/O=Acme', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('intruder', '/CN=intruder/O=Acme', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('forged', '/CN=orders-producer/O=Acme', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string) => fs.readFileSync(file(name));
  return {
    files: { certFile: file('server.crt'), keyFile: file('server.key'), clientCaFile: file('ca.crt') },
    ca: read('ca.crt'),
    client: (name: string) => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) }),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  protocol: string | null;
}

describe('HTTPS with TLS 1.3 and client certificates', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
  let certs: ReturnType<typeof makeCertificates>;
  let sluice: Sluice;
  let drop: () => Promise<void>;
  let base: URL;
  let token: string;

  function request(method: string, urlPath: string, options: { body?: string; headers?: Record<string, string>; tls?: https.RequestOptions } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: base.hostname, port: base.port, path: urlPath, method, ca: certs.ca, headers: { 'content-type': 'application/json', ...options.headers }, agent: false, ...options.tls },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, protocol: (res.socket as import('node:tls').TLSSocket).getProtocol?.() ?? null }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  beforeAll(async () => {
    certs = makeCertificates(dir);
    const db = await createTestDatabase();
    drop = db.drop;
    sluice = await startSluice({
      databaseUrl: db.url,
      role: 'all',
      logger: quietLogger,
      port: 0,
      workerPollIntervalMs: 200,
      admin: TEST_ADMIN,
      dataDir: dir,
      tls: certs.files,
    });
    base = new URL(sluice.url!);
    const login = await request('POST', '/api/auth/login', { body: JSON.stringify(TEST_ADMIN) });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const created = await request('POST', '/api/tokens', { body: JSON.stringify({ name: 'tls test' }), headers: { cookie, 'x-csrf-token': JSON.parse(login.body).csrfToken } });
    token = JSON.parse(created.body).token;
  });
  afterAll(async () => {
    await sluice?.close().catch(() => {});
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS only, with TLS 1.3, and refuses a TLS 1.2 client', async () => {
    expect(base.protocol).toBe('https:');
    const health = await request('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.protocol).toBe('TLSv1.3');
    await expect(request('GET', '/api/health', { tls: { maxVersion: 'TLSv1.2' } })).rejects.toThrow(/version|handshake|alert|protocol/i);
    // Plain HTTP on the same port gets no API answer.
    const plain = await fetch(`http://127.0.0.1:${base.port}/api/health`).then((r) => r.status, () => 'refused');
    expect(plain).not.toBe(200);
  });

  it('marks the session cookie Secure', async () => {
    const login = await request('POST', '/api/auth/login', { body: JSON.stringify(TEST_ADMIN) });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/;\s*Secure/);
  });

  it('lets an mtls source accept only a verified client certificate with the configured subject', async () => {
    const graph = evenFlow('mtls');
    graph.nodes = graph.nodes.map((n) => (n.id === 'in' ? { ...n, config: { auth: { type: 'mtls', subject: 'CN=orders-producer, O=Acme' } } } : n));
    const auth = { authorization: `Bearer ${token}` };
    const created = await request('POST', '/api/flows', { body: JSON.stringify(graph), headers: auth });
    const id = JSON.parse(created.body).id as string;
    expect((await request('POST', `/api/flows/${id}/deploy`, { headers: auth })).status).toBe(200);

    const ingest = (client?: { cert: Buffer; key: Buffer }) => request('POST', `/api/flows/${id}/ingest`, { body: JSON.stringify([{ n: 2 }]), tls: client ?? {} });
    expect((await ingest(certs.client('producer'))).status).toBe(202);
    const none = await ingest();
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.details.reason).toBe('no_client_certificate');
    const wrong = await ingest(certs.client('intruder'));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.details.reason).toBe('wrong_subject');
    const forged = await ingest(certs.client('forged'));
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.details.reason).toBe('no_client_certificate');
    // Client certificates are asked for, not required: other routes work without one.
    expect((await request('GET', '/api/flows', { headers: auth })).status).toBe(200);
  });

  it('serves the socket.io relay over HTTPS', async () => {
    const created = await request('POST', '/api/flows', { body: JSON.stringify(evenFlow('live')), headers: { authorization: `Bearer ${token}` } });
    const flowId = JSON.parse(created.body).id as string;
    const socket = io(sluice.url!, { transports: ['websocket'], reconnection: false, auth: { token }, ca: certs.ca.toString() });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      expect(await socket.emitWithAck('subscribe', { flowId })).toEqual({ ok: true });
    } finally {
      socket.close();
    }
  });
});

describe('TLS settings', () => {
  it('takes the certificate and key together, and the client CA only with them', () => {
    const config = loadConfig([], { SLUICE_TLS_CERT: '/etc/sluice/cert.pem', SLUICE_TLS_KEY: '/etc/sluice/key.pem', SLUICE_TLS_CLIENT_CA: '/etc/sluice/ca.pem' });
    expect(config).toMatchObject({ tlsCert: '/etc/sluice/cert.pem', tlsKey: '/etc/sluice/key.pem', tlsClientCa: '/etc/sluice/ca.pem' });
    expect(() => loadConfig([], { SLUICE_TLS_CERT: '/etc/sluice/cert.pem' })).toThrow(/set both SLUICE_TLS_CERT and SLUICE_TLS_KEY/);
    expect(() => loadConfig([], { SLUICE_TLS_CLIENT_CA: '/etc/sluice/ca.pem' })).toThrow(/SLUICE_TLS_CLIENT_CA needs/);
    expect(loadConfig([], {}).tlsCert).toBeUndefined();
  });

  it('refuses to start when a certificate file cannot be read', async () => {
    const db = await createTestDatabase();
    try {
      await expect(
        startSluice({ databaseUrl: db.url, role: 'server', logger: quietLogger, port: 0, admin: TEST_ADMIN, dataDir: os.tmpdir(), tls: { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' } }),
      ).rejects.toThrow(/cannot read the TLS certificate \/nonexistent\/cert\.pem/);
    } finally {
      await db.drop();
    }
  });
});
