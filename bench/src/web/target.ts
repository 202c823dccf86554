// Sluice for the editor bench: the built web app, and one `--role=all` process (API, websocket relay
// and worker in one) on a fresh database; extra `--role=worker` processes come from ../sluice.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client, freePort, REPO_ROOT, until, type SluiceProcess, BENCH_ADMIN } from '../sluice.js';

const MAIN = path.join(REPO_ROOT, 'apps/server/src/main.ts');
const WEB_DIR = path.join(REPO_ROOT, 'apps/web');
const WEB_INDEX = path.join(WEB_DIR, 'dist/index.html');

/** The web app the server serves: built now with `npx vite build` when apps/web/dist is missing. */
export function ensureWebBuild(): { builtAt: Date; builtNow: boolean } {
  if (existsSync(WEB_INDEX)) return { builtAt: statSync(WEB_INDEX).mtime, builtNow: false };
  console.log('apps/web/dist is missing: building it (npx vite build in apps/web)…');
  const build = spawnSync('npx', ['vite', 'build'], { cwd: WEB_DIR, stdio: 'inherit', timeout: 5 * 60_000 });
  if (build.status !== 0 || !existsSync(WEB_INDEX)) throw new Error(`npx vite build in apps/web failed (${build.error?.message ?? `exit ${build.status}`})`);
  return { builtAt: statSync(WEB_INDEX).mtime, builtNow: true };
}

export interface AllInOne {
  process: SluiceProcess;
  client: Client;
  baseUrl: string;
}

/** Starts `node --import tsx apps/server/src/main.ts --role=all` (LOG_LEVEL=warn) on a free port; waits for /api/health. */
export async function startAllInOne(databaseUrl: string): Promise<AllInOne> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    // The bench's sinks listen on loopback, which the egress guard refuses unless listed.
    SLUICE_EGRESS_ALLOW: '127.0.0.1',
    PORT: String(port),
    SLUICE_ADMIN_EMAIL: BENCH_ADMIN.email,
    SLUICE_ADMIN_PASSWORD: BENCH_ADMIN.password,
  };
  delete env.NODE_OPTIONS; // the bench's own tsx loader options must not reach the child twice
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--role=all'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not start the Sluice process');
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the Sluice process exited (${signal ?? `code ${code}`}):\n${tail}`));
    });
  });
  died.catch(() => {}); // observed by whoever races against it
  const sluice: SluiceProcess = {
    role: 'server',
    pid: child.pid,
    output: () => tail,
    died,
    async stop(graceMs = 40_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const client = new Client(port);
  try {
    await until('Sluice to answer /api/health', async () => (await client.request('GET', '/api/health')).status === 200, 60_000, 100, died);
    await client.signIn();
  } catch (err) {
    client.close();
    await sluice.stop(5_000);
    throw err;
  }
  return { process: sluice, client, baseUrl: `http://127.0.0.1:${port}` };
}
