// Node-RED as the peer: installed from npm into bench/peers/ (git-ignored, never a dependency of the
// product), its settings and flow written into a temporary userDir, and run as one child process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, until, type Client } from '../sluice.js';

/**
 * Pinned exactly. Node-RED 5 needs Node ≥ 22.9 and this machine has Node 20, so the 4.x line: the
 * one the issue's reference figures were taken with. pg is the version the server already uses.
 */
export const NODE_RED_VERSION = '4.1.15';
const PG_VERSION = '8.23.1';

export const PEERS_DIR = path.join(REPO_ROOT, 'bench/peers');
const RED_JS = path.join(PEERS_DIR, 'node_modules/node-red/red.js');
const PG_DIR = path.join(PEERS_DIR, 'node_modules/pg');

/** Connections in Node-RED's pg Pool: pg's own default, as a flow author would leave it. */
export const NODE_RED_POOL_SIZE = 10;

/** HTTP paths of the flow. */
export const NODE_RED_PATHS = {
  /** Answers after its INSERT has committed. */
  afterInsert: '/orders',
  /** Answers in parallel with the INSERT (`http response` and the insert wired side by side). */
  beforeInsert: '/orders-early',
  health: '/health',
} as const;

/** The tables the flow writes: the same columns as the Sluice flow's Postgres sink. */
export const NODE_RED_TABLES = { afterInsert: 'orders', beforeInsert: 'orders_early' } as const;

export const NODE_RED_SCHEMA = Object.values(NODE_RED_TABLES)
  .map((t) => `CREATE TABLE ${t} (order_id text, email text, total numeric, item_count integer)`)
  .join(';\n');

function installedVersion(dir: string): string | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : null;
  } catch {
    return null;
  }
}

/**
 * Installs node-red and pg into bench/peers/ unless the pinned versions are there. Optional
 * dependencies (bcrypt's native build) and install scripts are skipped: they would fetch from
 * outside npm, and nothing here needs them (Node-RED falls back to bcryptjs).
 */
export function ensureNodeRed(): void {
  if (installedVersion(path.dirname(RED_JS)) === NODE_RED_VERSION && installedVersion(PG_DIR) === PG_VERSION) return;
  mkdirSync(PEERS_DIR, { recursive: true });
  writeFileSync(
    path.join(PEERS_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'sluice-bench-peers',
        private: true,
        description: 'The systems `npm run bench:peers` compares Sluice with. Installed by the bench; git-ignored.',
        dependencies: { 'node-red': NODE_RED_VERSION, pg: PG_VERSION },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`installing node-red ${NODE_RED_VERSION} and pg ${PG_VERSION} into ${path.relative(REPO_ROOT, PEERS_DIR)}/ (npm)…`);
  execFileSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '--no-package-lock'], {
    cwd: PEERS_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 5 * 60_000,
  });
  if (installedVersion(path.dirname(RED_JS)) !== NODE_RED_VERSION) throw new Error(`npm did not install node-red ${NODE_RED_VERSION} into ${PEERS_DIR}`);
}

/** Map and validate, as a flow author writes it in a `function` node: the Sluice flow's map, rules and mask. */
const MAP_AND_VALIDATE = `
const input = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
const ids = [], emails = [], totals = [], itemCounts = [];
let rejected = 0;
for (const o of input) {
  if (o === null || typeof o !== 'object' || !Array.isArray(o.items) || typeof o.total !== 'number') { rejected++; continue; }
  let sum = 0;
  for (const it of o.items) sum += it.price * it.qty;
  if (Math.abs(o.total - sum) > 0.01) { rejected++; continue; }
  const email = String(o.customer_email).toLowerCase();
  const at = email.lastIndexOf('@');
  ids.push(String(o.id));
  emails.push(at <= 0 ? email[0] + '***' : email[0] + '***' + email.slice(at));
  totals.push(o.total);
  itemCounts.push(o.items.length);
}
msg.rows = { ids, emails, totals, itemCounts };
if (ids.length === 0) {
  msg.statusCode = 422;
  msg.payload = { error: 'total must equal the sum of price × qty', rejected };
} else {
  msg.statusCode = 200;
  msg.payload = { inserted: ids.length, rejected };
}
`;

/** One INSERT per request, all rows as arrays: the same one-statement-per-batch shape as Sluice's sink. */
const insertInto = (table: string) => `
await global.get('pgPool').query(
  'INSERT INTO ${table} (order_id, email, total, item_count) SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[])',
  [msg.rows.ids, msg.rows.emails, msg.rows.totals, msg.rows.itemCounts],
);`;

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [setting: string]: unknown;
}

/** The flow file: http in → function → http response, twice (answer after / before the insert), and /health. */
export function nodeRedFlow(): FlowNode[] {
  const fn = (id: string, name: string, func: string, wires: string[][]): FlowNode => ({
    id,
    type: 'function',
    z: 'tab',
    name,
    func,
    outputs: 1,
    timeout: 0,
    noerr: 0,
    initialize: '',
    finalize: '',
    libs: [],
    wires,
  });
  const httpIn = (id: string, url: string, method: string, wires: string[][]): FlowNode => ({ id, type: 'http in', z: 'tab', url, method, upload: false, swaggerDoc: '', wires });
  const response = (id: string): FlowNode => ({ id, type: 'http response', z: 'tab', statusCode: '', headers: {}, wires: [] });
  return [
    { id: 'tab', type: 'tab', label: 'orders', disabled: false, info: '' },
    httpIn('in', NODE_RED_PATHS.afterInsert, 'post', [['insert']]),
    fn(
      'insert',
      'map, validate, insert',
      `${MAP_AND_VALIDATE}
if (ids.length > 0) {
  try {${insertInto(NODE_RED_TABLES.afterInsert)}
  } catch (err) {
    node.warn(err.message);
    msg.statusCode = 503;
    msg.payload = { error: 'insert failed' };
  }
}
return msg;`,
      [['answer']],
    ),
    response('answer'),
    httpIn('in-early', NODE_RED_PATHS.beforeInsert, 'post', [['validate-early']]),
    fn('validate-early', 'map, validate', `${MAP_AND_VALIDATE}\nreturn msg;`, [['answer-early', 'insert-early']]),
    response('answer-early'),
    fn(
      'insert-early',
      'insert',
      `if (msg.statusCode !== 200) return null;
try {${insertInto(NODE_RED_TABLES.beforeInsert)}
} catch (err) {
  node.error(err.message, msg);
}
return null;`,
      [],
    ),
    httpIn('health-in', NODE_RED_PATHS.health, 'get', [['health-answer']]),
    response('health-answer'),
  ];
}

/** settings.js: no editor or admin API, warnings only, no telemetry, the pg Pool in functionGlobalContext. */
export function nodeRedSettings(port: number, databaseUrl: string): string {
  return `// Written by bench/src/peers/node-red.ts for one bench run.
const { Pool } = require(${JSON.stringify(PG_DIR)});
const pgPool = new Pool({ connectionString: ${JSON.stringify(databaseUrl)}, max: ${NODE_RED_POOL_SIZE} });
pgPool.on('error', () => {}); // the bench drops the database under it at the end
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: false,
  httpAdminRoot: false,
  disableEditor: true,
  functionGlobalContext: { pgPool },
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
};
`;
}

/** Writes settings.js and flows.json into `userDir`. */
export function writeNodeRedUserDir(userDir: string, port: number, databaseUrl: string): void {
  writeFileSync(path.join(userDir, 'settings.js'), nodeRedSettings(port, databaseUrl));
  writeFileSync(path.join(userDir, 'flows.json'), `${JSON.stringify(nodeRedFlow(), null, 2)}\n`);
}

export interface NodeRedProcess {
  pid: number;
  output(): string;
  /** Rejects if the process exits before stop() or kill() is called. */
  readonly died: Promise<never>;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<void>;
  /** SIGTERM (Node-RED stops its flows), then SIGKILL after `graceMs` (default 10 s). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts `node red.js --userDir <dir>` and waits until GET /health answers on `client`'s port. */
export async function startNodeRed(userDir: string, client: Client): Promise<NodeRedProcess> {
  if (!existsSync(RED_JS)) throw new Error(`node-red is not installed in ${PEERS_DIR}`);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_RED_DISABLE_TELEMETRY: '1' };
  delete env.NODE_OPTIONS; // the bench's tsx loader is not Node-RED's
  const child = spawn(process.execPath, [RED_JS, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js'), 'flows.json'], {
    cwd: userDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start node-red');
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let ending = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!ending) reject(new Error(`node-red exited (${signal ?? `code ${code}`}):\n${tail}`));
    });
  });
  died.catch(() => {}); // observed by whoever races against it
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const proc: NodeRedProcess = {
    pid: child.pid,
    output: () => tail,
    died,
    exited,
    async stop(graceMs = 10_000) {
      ending = true;
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      ending = true;
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await until('node-red to answer GET /health', async () => (await client.request('GET', NODE_RED_PATHS.health)).status === 200, 60_000, 100, died);
  } catch (err) {
    await proc.stop(2_000);
    throw err;
  }
  return proc;
}
