// Sluice under test: a fresh database on the local Postgres, the server and the worker as separate
// child processes (so each one's memory and CPU is its own), and a keep-alive HTTP client for them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MAIN = path.join(REPO_ROOT, 'apps/server/src/main.ts');

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `sluice_bench_<random>`; `drop()` removes it even while something is still connected. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `sluice_bench_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function postgresVersion(): Promise<string> {
  return admin(async (c) => String((await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version));
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SluiceProcess {
  role: 'server' | 'worker';
  pid: number;
  /** The last few KB the process wrote (stdout and stderr), for error messages. */
  output(): string;
  /** Rejects if the process exits before stop() is called. */
  readonly died: Promise<never>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 40 s: the process allows itself 30 s). */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  role: 'server' | 'worker';
  databaseUrl: string;
  port?: number;
  workerConcurrency?: number;
  /** Write V8 CPU profiles (one per thread) into this folder when the process exits. */
  cpuProfileDir?: string;
}

/** Starts `node --import tsx apps/server/src/main.ts --role=<role>` with LOG_LEVEL=warn. */
export function spawnSluice(options: SpawnOptions): SluiceProcess {
  // As scripts/start.mjs runs Sluice: with a 32 MB young generation (why: there).
  const nodeArgs = ['--max-semi-space-size=32', '--import', 'tsx'];
  // V8 names each file CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main
  // thread; tsx's module loader thread writes one too.
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    // The bench's sinks listen on loopback, which the egress guard refuses unless listed.
    SLUICE_EGRESS_ALLOW: '127.0.0.1',
    SLUICE_ADMIN_EMAIL: BENCH_ADMIN.email,
    SLUICE_ADMIN_PASSWORD: BENCH_ADMIN.password,
  };
  delete env.NODE_OPTIONS; // the bench's own tsx loader options must not leak into the children twice
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.workerConcurrency !== undefined) env.SLUICE_WORKER_CONCURRENCY = String(options.workerConcurrency);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, MAIN, `--role=${options.role}`], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start the ${options.role} process`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the ${options.role} process exited (${signal ?? `code ${code}`}):\n${tail}`));
    });
  });
  died.catch(() => {}); // observed by whoever races against it
  return {
    role: options.role,
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
}

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** The first admin of every Sluice the bench starts. */
export const BENCH_ADMIN = { email: 'bench@localhost', password: 'bench admin password 1' };

/** A keep-alive client for one Sluice server on 127.0.0.1. */
export class Client {
  readonly agent: http.Agent;
  /**
   * The API token every client sends once `signIn` has run (the bench talks to one Sluice at a
   * time; other peers ignore the header).
   */
  static authorization: string | undefined;

  /** Signs in as the bench admin and creates an API token for all clients. */
  async signIn(): Promise<void> {
    const login = await this.request('POST', '/api/auth/login', JSON.stringify(BENCH_ADMIN));
    if (login.status !== 200) throw new Error(`bench sign-in failed: ${login.status} ${login.body.slice(0, 200)}`);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const { csrfToken } = JSON.parse(login.body) as { csrfToken: string };
    const created = await this.request('POST', '/api/tokens', JSON.stringify({ name: 'bench' }), 'application/json', { cookie, 'x-csrf-token': csrfToken });
    if (created.status !== 201) throw new Error(`bench token failed: ${created.status} ${created.body.slice(0, 200)}`);
    Client.authorization = `Bearer ${(JSON.parse(created.body) as { token: string }).token}`;
  }

  constructor(
    readonly port: number,
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, urlPath: string, body?: string | Buffer, contentType = 'application/json', extra: http.OutgoingHttpHeaders = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...extra };
      if (Client.authorization && !extra.cookie) headers.authorization = Client.authorization;
      if (body !== undefined) {
        headers['content-type'] = contentType;
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: urlPath, agent: this.agent, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 60 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A JSON call that must answer `expect`; returns the parsed body. */
  async json(method: string, urlPath: string, body: unknown, expect: number): Promise<unknown> {
    const answer = await this.request(method, urlPath, body === undefined ? undefined : JSON.stringify(body));
    if (answer.status !== expect) throw new Error(`${method} ${urlPath} answered ${answer.status}, not ${expect}: ${answer.body.slice(0, 500)}`);
    return answer.body === '' ? undefined : (JSON.parse(answer.body) as unknown);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Polls `check` every `everyMs` until it returns true; fails after `timeoutMs` or when `died` rejects. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs: number, died?: Promise<never>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    const pause = new Promise<void>((resolve) => setTimeout(resolve, everyMs));
    await (died ? Promise.race([pause, died]) : pause);
  }
}

/** Starts the server on a free port and waits until /api/health answers. */
export async function startServer(databaseUrl: string, cpuProfileDir?: string): Promise<{ process: SluiceProcess; client: Client }> {
  const port = await freePort();
  const server = spawnSluice({ role: 'server', databaseUrl, port, cpuProfileDir });
  const client = new Client(port);
  try {
    await until('the server to answer /api/health', async () => (await client.request('GET', '/api/health')).status === 200, 60_000, 100, server.died);
    await client.signIn();
  } catch (err) {
    client.close();
    await server.stop(5_000);
    throw err;
  }
  return { process: server, client };
}

/** Starts a worker and waits until its graphile-worker pool has registered its heartbeat row. */
export async function startWorker(databaseUrl: string, pool: pg.Pool, workerConcurrency?: number, cpuProfileDir?: string): Promise<SluiceProcess> {
  const worker = spawnSluice({ role: 'worker', databaseUrl, workerConcurrency, cpuProfileDir });
  try {
    await until(
      'the worker to register',
      async () => (await pool.query('SELECT 1 FROM worker_processes WHERE pid = $1 AND cardinality(pool_ids) > 0', [worker.pid])).rowCount === 1,
      60_000,
      100,
      worker.died,
    );
  } catch (err) {
    await worker.stop(5_000);
    throw err;
  }
  return worker;
}
