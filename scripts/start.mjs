// `npm start`: install packages when the lock file changed, build what needs building, then run the
// server (`npm start -- --role=worker` passes the role on). Plain Node, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
// Setup steps only: no browser downloads (Playwright finds Debian's chromium), no turbo telemetry notice.
const env = {
  ...process.env,
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  TURBO_TELEMETRY_DISABLED: process.env.TURBO_TELEMETRY_DISABLED ?? '1',
};

function say(line) {
  process.stderr.write(`sluice: ${line}\n`);
}

function mtime(file) {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Runs a setup step to completion; a failed step ends `npm start` with its exit code. A quiet step's
 * output is shown only when it fails.
 */
function run(command, args, { quiet = false } = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, env, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.error) {
    say(`${command} ${args.join(' ')} could not run: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    if (quiet) process.stderr.write(`${result.stdout}${result.stderr}`);
    say(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  return ((Date.now() - started) / 1000).toFixed(1);
}

// 1. Packages. npm writes node_modules/.package-lock.json on every install, so a lock file (or, with
//    no lock, a package.json) newer than it means the installed tree is out of date.
const hasLock = mtime('package-lock.json') !== undefined;
const installed = mtime('node_modules/.package-lock.json');
const wanted = hasLock ? mtime('package-lock.json') : mtime('package.json');
if (installed === undefined || (wanted !== undefined && wanted > installed)) {
  say('installing packages…');
  const seconds = run(npm, hasLock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
  say(`packages installed in ${seconds} s`);
}

// 2. Build (the web app's bundle; a no-op while nothing defines a build script).
say('building…');
const buildSeconds = run(npx, ['--no', 'turbo', 'run', 'build', '--output-logs=errors-only'], { quiet: true });
say(`built in ${buildSeconds} s`);

// 3. The server. It gets its own process group, so a Ctrl-C in the terminal reaches only this script
//    (and npm), which forward it once: the server then drains and stops its embedded Postgres in
//    order, instead of Postgres receiving the Ctrl-C too and quitting under the draining worker.
say('starting the server…');
// A young generation of 32 MB: a chunk's records live across its sink's and its completion's round
// trips, and with V8's default (16 MB) enough of them were copied into the old generation that the
// worker's heap swung up to 150 MB between full collections (RSS 210–330 MiB over a million records;
// 218 MiB flat with this: bench/RESULTS.md, session 5). The Dockerfile and docker-compose.yml do the same.
const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', 'apps/server/src/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  env: process.env,
  stdio: 'inherit',
  detached: process.platform !== 'win32',
});

// npm also forwards the terminal's signals, so one Ctrl-C arrives here twice: forward a signal at
// most once per second; a second Ctrl-C later still gets through (the server may then hurry).
const lastForwarded = new Map();
function forward(sig) {
  const now = Date.now();
  if (now - (lastForwarded.get(sig) ?? 0) < 1000) return;
  lastForwarded.set(sig, now);
  if (child.exitCode === null && child.signalCode === null) child.kill(sig);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => forward(sig));

// `kill <npm's pid>` does not reach us: npm passes SIGTERM to its `sh -c`, which dies without passing
// it on, and we are orphaned. Treat losing our parent as SIGTERM so the server and Postgres stop too.
const parentPid = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(orphanWatch);
  say('npm went away; stopping the server…');
  forward('SIGTERM');
}, 500);
orphanWatch.unref();

child.on('error', (err) => {
  say(`could not start the server: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  // A child killed by a signal exits like a shell reports it: 128 + the signal number.
  process.exit(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 1));
});
