// Secrets in Postgres, encrypted with the vault keyring. Values go in (put) and, decrypted, only
// into compiled plans (valuesOf); the API lists names and whether they are set, never values.
import type pg from 'pg';
import type { SecretSummary } from '@sluice/shared';
import type { Keyring } from './keyring.js';

export class Vault {
  constructor(
    private readonly pool: pg.Pool,
    readonly keyring: Keyring,
  ) {}

  async list(): Promise<SecretSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT s.name, s.updated_at, u.email AS updated_by FROM secrets s LEFT JOIN users u ON u.id = s.updated_by ORDER BY s.name`,
    );
    return rows.map((r) => ({
      name: String(r.name),
      set: true,
      updatedAt: new Date(r.updated_at as string).toISOString(),
      updatedBy: r.updated_by === null ? null : String(r.updated_by),
    }));
  }

  /** Creates or replaces a secret; true when it was new. */
  async put(name: string, value: string, userId: string | null): Promise<boolean> {
    const sealed = this.keyring.seal(value);
    const { rows } = await this.pool.query(
      `INSERT INTO secrets (name, ciphertext, iv, tag, key_id, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, iv = EXCLUDED.iv, tag = EXCLUDED.tag,
         key_id = EXCLUDED.key_id, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [name, sealed.ciphertext.toString('base64'), sealed.iv.toString('base64'), sealed.tag.toString('base64'), sealed.keyId, userId],
    );
    return rows[0]?.inserted === true;
  }

  /** True when there was such a secret. */
  async delete(name: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM secrets WHERE name = $1', [name]);
    return result.rowCount === 1;
  }

  /** The decrypted values of those of `names` that are set. Only the compiler calls this. */
  async valuesOf(names: Iterable<string>): Promise<Map<string, string>> {
    const wanted = [...new Set(names)];
    const values = new Map<string, string>();
    if (wanted.length === 0) return values;
    const { rows } = await this.pool.query('SELECT name, ciphertext, iv, tag, key_id FROM secrets WHERE name = ANY($1::text[])', [wanted]);
    for (const r of rows) {
      values.set(
        String(r.name),
        this.keyring.open({
          keyId: String(r.key_id),
          iv: Buffer.from(String(r.iv), 'base64'),
          tag: Buffer.from(String(r.tag), 'base64'),
          ciphertext: Buffer.from(String(r.ciphertext), 'base64'),
        }),
      );
    }
    return values;
  }
}
