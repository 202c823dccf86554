// `npm run vault:rotate` (with Sluice stopped): re-encrypts every secret and sealed record under a
// new vault key. With the key file (no SLUICE_SECRET_KEY) the files are swapped for you; with
// SLUICE_SECRET_KEY, give the new key as SLUICE_NEW_SECRET_KEY (or let one be generated and printed)
// and set it as SLUICE_SECRET_KEY before starting again.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createPool } from '../storage/db.js';
import { applyMigrations } from '../storage/migrate.js';
import { startEmbeddedPostgres } from '../storage/embedded-postgres.js';
import { generateKey, KEY_FILE, loadKeyring, NEXT_KEY_FILE, parseKey, PREVIOUS_KEYS_FILE } from './keyring.js';
import { reencryptAll } from './rotate.js';

async function main(): Promise<void> {
  const config = loadConfig([], process.env);
  const logger = createLogger(config.logLevel);
  const fromEnv = Boolean(process.env.SLUICE_SECRET_KEY);
  const current = loadKeyring({ key: process.env.SLUICE_SECRET_KEY, previous: process.env.SLUICE_SECRET_KEY_PREVIOUS, dataDir: config.dataDir });
  const given = process.env.SLUICE_NEW_SECRET_KEY;
  const newKeyText = given ? parseKey(given, 'SLUICE_NEW_SECRET_KEY').toString('base64') : generateKey();
  const keyFile = path.join(config.dataDir, KEY_FILE);
  const nextFile = path.join(config.dataDir, NEXT_KEY_FILE);
  // Written before the database changes: if we stop half-way, the next start still reads both keys.
  if (!fromEnv) fs.writeFileSync(nextFile, `${newKeyText}\n`, { mode: 0o600 });

  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const pool = createPool(config.databaseUrl ?? embedded!.url, 2);
  try {
    await applyMigrations(pool);
    const result = await reencryptAll(pool, current, parseKey(newKeyText, 'the new key'));
    if (!fromEnv) {
      fs.appendFileSync(path.join(config.dataDir, PREVIOUS_KEYS_FILE), fs.readFileSync(keyFile, 'utf8'), { mode: 0o600 });
      fs.renameSync(nextFile, keyFile);
    }
    process.stderr.write(
      `sluice: re-encrypted ${result.secrets} secrets, ${result.chunks} queued chunks, ${result.deadLetters} dead letters and ${result.alertChannels} alert channel signing secrets under key ${result.newKeyId}\n`,
    );
    if (fromEnv && !given) {
      // Printed once, on purpose, for the operator who must put it in SLUICE_SECRET_KEY.
      process.stderr.write(`sluice: set SLUICE_SECRET_KEY=${newKeyText} (and keep the old one as SLUICE_SECRET_KEY_PREVIOUS until every process restarted)\n`);
    }
  } finally {
    await pool.end();
    if (embedded) await embedded.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sluice: ${(err as Error).message}${(err as Error).cause ? `: ${((err as Error).cause as Error).message}` : ''}\n`);
  process.exit(1);
});
