// Key rotation: every secret and every sealed record payload re-encrypted under a new key, in one
// transaction, so the database never holds a mix that a restarted Sluice cannot read.
import type pg from 'pg';
import { Keyring, keyIdOf } from './keyring.js';
import { isSealedJson, sealJsonText } from './sealed-json.js';
import { openChannelSecret } from '../storage/alerts.js';
import { inTransaction } from '../storage/db.js';

export interface RotationResult {
  newKeyId: string;
  secrets: number;
  chunks: number;
  deadLetters: number;
  alertChannels: number;
}

/** Re-encrypts under `newKey` everything `current` (with its previous keys) can read. */
export async function reencryptAll(pool: pg.Pool, current: Keyring, newKey: Buffer): Promise<RotationResult> {
  const next = new Keyring(newKey);
  const newKeyId = keyIdOf(newKey);
  try {
    return await inTransaction(pool, async (client) => {
      const secrets = await client.query('SELECT name, ciphertext, iv, tag, key_id FROM secrets WHERE key_id <> $1 FOR UPDATE', [newKeyId]);
      for (const r of secrets.rows) {
        const value = current.open({
          keyId: String(r.key_id),
          iv: Buffer.from(String(r.iv), 'base64'),
          tag: Buffer.from(String(r.tag), 'base64'),
          ciphertext: Buffer.from(String(r.ciphertext), 'base64'),
        });
        const sealed = next.seal(value);
        await client.query('UPDATE secrets SET ciphertext = $2, iv = $3, tag = $4, key_id = $5 WHERE name = $1', [
          r.name,
          sealed.ciphertext.toString('base64'),
          sealed.iv.toString('base64'),
          sealed.tag.toString('base64'),
          sealed.keyId,
        ]);
      }
      const reseal = async (table: 'chunks' | 'dead_letters', column: 'records' | 'record'): Promise<number> => {
        // chunks.records is text, dead_letters.record jsonb: both read back as parsed JSON.
        const { rows } = await client.query(`SELECT id, ${column}::jsonb AS payload FROM ${table} WHERE jsonb_typeof(${column}::jsonb) = 'object' AND ${column}::jsonb ? '$sealed' FOR UPDATE`);
        let count = 0;
        for (const r of rows) {
          if (!isSealedJson(r.payload)) continue;
          await client.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [r.id, sealJsonText(next, current.openString(r.payload.$sealed))]);
          count++;
        }
        return count;
      };
      const chunks = await reseal('chunks', 'records');
      const deadLetters = await reseal('dead_letters', 'record');
      // Alert channel signing secrets: sealed strings (or plain text from before they were sealed).
      const channels = await client.query<{ id: string; secret: string }>('SELECT id, secret FROM alert_channels FOR UPDATE');
      for (const r of channels.rows) {
        await client.query('UPDATE alert_channels SET secret = $2 WHERE id = $1', [r.id, next.sealToString(openChannelSecret(current, r.secret))]);
      }
      return { newKeyId, secrets: secrets.rowCount ?? 0, chunks, deadLetters, alertChannels: channels.rowCount ?? 0 };
    });
  } catch (err) {
    throw new Error('key rotation failed; nothing was changed', { cause: err });
  }
}
