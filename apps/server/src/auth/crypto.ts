import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret for a cookie or an API token: 32 bytes, URL-safe. */
export function randomSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Session ids and API tokens are stored only as their SHA-256: a database leak gives no credential. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
