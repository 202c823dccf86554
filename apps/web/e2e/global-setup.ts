// Starts one Sluice server (role all) on a fresh database for the whole e2e run and tears both down
// afterwards. The web app must have been built (npm test builds it first).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MAIN = fileURLToPath(new URL('../../server/src/main.ts', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
/** The browser starts every test signed in as the first admin (cookie from here). */
export const STORAGE_STATE = fileURLToPath(new URL('../test-results/.auth/admin.json', import.meta.url));
export const E2E_ADMIN = { email: 'admin@e2e.local', password: 'e2e admin password 42' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!fs.existsSync(DIST_INDEX)) throw new Error('the web app is not built: run `npm run build -w apps/web` first');
  const name = `sluice_e2e_${randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      PORT: String(port),
      HOST: '127.0.0.1',
      SLUICE_EGRESS_ALLOW: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Alerts evaluated every second, so the alerts e2e sees one fire without a long wait.
      SLUICE_ALERT_INTERVAL_MS: '1000',
      SLUICE_ADMIN_EMAIL: E2E_ADMIN.email,
      SLUICE_ADMIN_PASSWORD: E2E_ADMIN.password,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the Sluice server exited with ${server.exitCode} during start-up`);
    try {
      const res = await fetch(`${base}/api/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('the Sluice server did not answer /api/health within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  process.env.SLUICE_E2E_URL = base;
  process.env.SLUICE_E2E_DATABASE_URL = url.toString();

  // Sign in once: the session cookie becomes the browser's starting state, and an API token lets
  // the tests set things up over REST.
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(E2E_ADMIN) });
  if (login.status !== 200) throw new Error(`e2e admin sign-in failed: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const created = await fetch(`${base}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'e2e setup' }),
  });
  process.env.SLUICE_E2E_TOKEN = ((await created.json()) as { token: string }).token;
  const [name0, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
  fs.mkdirSync(new URL('../test-results/.auth/', import.meta.url), { recursive: true });
  fs.writeFileSync(
    STORAGE_STATE,
    JSON.stringify({ cookies: [{ name: name0, value, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Strict' }], origins: [] }),
  );
  return async () => {
    server.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        resolve();
      }, 15_000);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
}
