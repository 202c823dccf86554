import type pg from 'pg';
import { AppError } from '@sluice/shared';

/** Failed sign-ins allowed per window, per account and per client address. */
export const LOGIN_LIMITS = { perAccount: 10, perAddress: 50, windowMinutes: 15 } as const;

/**
 * Login throttling kept in Postgres, so that every server process counts the same failures. Checked
 * before the password is verified; failures are counted per account and per address.
 */
export class LoginLimiter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: { perAccount: number; perAddress: number; windowMinutes: number } = LOGIN_LIMITS,
  ) {}

  private keys(email: string, address: string): [string, number][] {
    return [
      [`account:${email}`, this.limits.perAccount],
      [`address:${address}`, this.limits.perAddress],
    ];
  }

  async check(email: string, address: string): Promise<void> {
    const keys = this.keys(email, address);
    const { rows } = await this.pool.query(
      `SELECT key, sum(failures)::int AS failures FROM login_attempts
       WHERE key = ANY($1) AND window_start > now() - make_interval(mins => $2)
       GROUP BY key`,
      [keys.map(([k]) => k), this.limits.windowMinutes],
    );
    for (const [key, limit] of keys) {
      const failures = Number(rows.find((r) => r.key === key)?.failures ?? 0);
      if (failures >= limit) {
        throw new AppError('rate_limited', 'too many failed sign-ins; wait a few minutes and try again', {
          headers: { 'Retry-After': String(this.limits.windowMinutes * 60) },
        });
      }
    }
  }

  async fail(email: string, address: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO login_attempts (key, window_start, failures)
       SELECT k, date_trunc('minute', now()), 1 FROM unnest($1::text[]) AS k
       ON CONFLICT (key, window_start) DO UPDATE SET failures = login_attempts.failures + 1`,
      [this.keys(email, address).map(([k]) => k)],
    );
  }

  /** A successful sign-in clears the account's count (not the address's). */
  async succeed(email: string): Promise<void> {
    await this.pool.query('DELETE FROM login_attempts WHERE key = $1', [`account:${email}`]);
  }
}
