// `npm start` on a clean copy of the working tree, with no DATABASE_URL: the embedded Postgres comes
// up in ./.sluice, /api/health answers within 60 s, and SIGTERM stops the server and Postgres.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const INSTALL_TIMEOUT_MS = 5 * 60_000; // npm ci from the local cache takes ~10 s here; the registry may be slower
const START_BUDGET_MS = 60_000; // the promise: `npm start` (packages already installed) serves /api/health within this
const STOP_BUDGET_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 30_000;

const testDir = path.dirname(fileURLToPath(import.meta.url));

let workDir = '';
let server: ChildProcess | undefined;
const output: string[] = [];

/** A clean shell's environment: none of our database settings, and none of the outer npm's `npm_*` config. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|DATABASE_URL$|SLUICE_DATA_DIR$|PORT$|HOST$|NODE_ENV$|NODE_OPTIONS$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Copies what a clean clone of the working tree would hold: git's tracked and untracked-but-not-ignored
 * files (with or without commits). Outside a git work tree (an exported source tree) it copies the
 * tree minus the usual generated folders.
 */
function copyWorkingTree(to: string): void {
  let root: string;
  let files: string[];
  try {
    root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: testDir, encoding: 'utf8', stdio: 'pipe' }).trim();
    files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
  } catch {
    root = path.resolve(testDir, '../../..');
    const generated = /(^|\/)(\.git|node_modules|\.sluice|\.turbo|dist|coverage|test-results|playwright-report)(\/|$)/;
    fs.cpSync(root, to, { recursive: true, verbatimSymlinks: true, filter: (src) => !generated.test(path.relative(root, src)) });
    return;
  }
  for (const file of new Set(files)) {
    const source = path.join(root, file);
    if (!fs.existsSync(source)) continue; // deleted in the working tree but still in the index
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.cpSync(source, path.join(to, file), { verbatimSymlinks: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Live (not zombie) process? */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Processes whose working folder is inside `dir`: the server (cwd = the copy) and Postgres (cwd = its data folder). */
function processesInside(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids.filter(isAlive);
}

function postmasterPid(): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(workDir, '.sluice', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return condition();
}

function capture(stream: NodeJS.ReadableStream | null): void {
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    output.push(...chunk.split('\n').filter(Boolean));
    if (output.length > 300) output.splice(0, output.length - 300);
  });
}

function lastOutput(): string {
  return `\n--- npm start output (last lines) ---\n${output.slice(-60).join('\n')}`;
}

describe('npm start on a clean copy with no DATABASE_URL', () => {
  beforeAll(() => {
    workDir = fs.mkdtempSync('/tmp/sluice-start-test-');
    copyWorkingTree(workDir);
    // Installing is not part of the 60 s promise: do it first, from the npm cache where possible.
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: workDir,
      env: cleanEnv({ PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' }),
      stdio: 'pipe',
      timeout: INSTALL_TIMEOUT_MS,
    });
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (server?.pid && isAlive(server.pid)) {
      try {
        process.kill(-server.pid, 'SIGKILL'); // npm and scripts/start.mjs share this group
      } catch {
        // already gone
      }
    }
    if (workDir) {
      // The server runs in its own process group and Postgres under it: find them by working folder.
      for (const pid of processesInside(workDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitFor(() => processesInside(workDir).length === 0, 5_000);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, CLEANUP_TIMEOUT_MS);

  it(
    'serves /api/health within 60 s and stops its embedded Postgres on SIGTERM',
    async () => {
      const port = await freePort();
      const startedAt = Date.now();
      server = spawn('npm', ['start'], {
        cwd: workDir,
        env: cleanEnv({ PORT: String(port) }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      capture(server.stdout);
      capture(server.stderr);
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      server.on('exit', (code, signal) => (exited = { code, signal }));

      let health: unknown;
      const healthy = await waitFor(
        async () => {
          if (exited) return true;
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2_000) });
            if (res.status !== 200) return false;
            health = await res.json();
            return true;
          } catch {
            return false;
          }
        },
        START_BUDGET_MS,
        250,
      );
      const startMs = Date.now() - startedAt;
      expect(exited, `npm start exited early (${JSON.stringify(exited)})${lastOutput()}`).toBeUndefined();
      expect(healthy, `no 200 from /api/health within ${START_BUDGET_MS / 1000} s${lastOutput()}`).toBe(true);
      expect(health).toMatchObject({ status: 'ok', db: 'ok' });
      expect(startMs).toBeLessThan(START_BUDGET_MS);

      // npm start built the editor, and the same server serves it at /.
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('<div id="root">');

      // The embedded Postgres is in ./.sluice/pg and running.
      const pgPid = postmasterPid();
      expect(pgPid, `no ${workDir}/.sluice/pg/postmaster.pid${lastOutput()}`).toBeDefined();
      expect(isAlive(pgPid ?? 0)).toBe(true);

      // SIGTERM to npm's pid alone (as a supervisor would send it). npm exits at once; the server and
      // its Postgres (which npm's `sh -c` does not pass the signal to) must follow within the budget.
      process.kill(server.pid ?? 0, 'SIGTERM');
      const stopped = await waitFor(() => exited !== undefined && processesInside(workDir).length === 0, STOP_BUDGET_MS);
      expect(stopped, `still running ${STOP_BUDGET_MS / 1000} s after SIGTERM: npm ${exited ? 'exited' : 'running'}, pids in the copy ${JSON.stringify(processesInside(workDir))}${lastOutput()}`).toBe(true);
      expect(isAlive(pgPid ?? 0), `embedded Postgres (pid ${pgPid}) outlived the server`).toBe(false);
      expect(postmasterPid(), `postmaster.pid left behind: Postgres did not shut down cleanly${lastOutput()}`).toBeUndefined();
    },
    START_BUDGET_MS + STOP_BUDGET_MS + 30_000,
  );
});
