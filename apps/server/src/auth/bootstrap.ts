import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { randomSecret } from './crypto.js';
import { countUsers, createUser } from './store.js';
import type { Logger } from '../logger.js';

export interface FirstAdminOptions {
  /** Default admin@localhost. */
  email?: string;
  /** Unset: a random one is generated, printed once and written to `<dataDir>/initial-admin-password`. */
  password?: string;
  dataDir: string;
}

/**
 * On the first start (no users at all) creates the system_admin. Several processes starting at once
 * are safe: the email is unique, and only the one that creates the user writes the password file.
 */
export async function ensureFirstAdmin(pool: pg.Pool, options: FirstAdminOptions, logger: Logger): Promise<void> {
  if ((await countUsers(pool)) > 0) return;
  const email = (options.email ?? 'admin@localhost').toLowerCase();
  const generated = options.password === undefined;
  const password = options.password ?? randomSecret().slice(0, 24);
  try {
    await createUser(pool, { email, password, role: 'system_admin' });
  } catch (err) {
    if ((err as { code?: string }).code === 'conflict') return; // another process created it
    throw err;
  }
  if (generated) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const file = path.join(options.dataDir, 'initial-admin-password');
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    // Printed once, on purpose, to the console of the person starting Sluice (not to the JSON log).
    process.stderr.write(`\nsluice: created the first admin ${email} with password ${password}\n        (also in ${file}; change it after signing in)\n\n`);
    logger.info({ email, passwordFile: file }, 'created the first admin');
  } else {
    logger.info({ email }, 'created the first admin from SLUICE_ADMIN_PASSWORD');
  }
}
