// Who may post to a webhook source: an API key, an HMAC signature, a JWT, a client certificate, or
// nobody in particular (auth none). The successful path is cheap: key hashes and JWKS are cached
// per source (key revocations evict at once in every process, see auth/revocations.ts), and the
// only write is one INSERT per accepted HMAC-signed request, for replay protection cluster-wide.
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type pg from 'pg';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { API_KEY_HEADER } from '@sluice/shared';
import { EgressRefusedError, type WebhookAuth } from '@sluice/nodes';
import { safeEqual, sha256 } from '../auth/crypto.js';
import type { RevocationListener } from '../auth/revocations.js';
import type { Logger } from '../logger.js';
import { hashApiKey, liveKeyHashes } from './source-keys.js';

export type SourceCheck = { ok: true } | { ok: false; reason: string; message: string };
/** An accepted signature says what was recorded of it, so a request refused later can release it. */
export type HmacCheck = { ok: true; signatureKey: string } | { ok: false; reason: string; message: string };

/** Signed timestamps may be this far from the server's clock, seconds. */
export const HMAC_TOLERANCE_SECONDS = 300;
/** Beyond the tolerance, signatures are kept this much longer, s: server clocks may differ a little. */
const SIGNATURE_MARGIN_SECONDS = 60;
/** How often expired signatures are deleted, ms. */
const SIGNATURE_SWEEP_MS = 60_000;

const fail = (reason: string, message: string): { ok: false; reason: string; message: string } => ({ ok: false, reason, message });

export class SourceAuthenticator {
  private readonly keys = new Map<string, { at: number; hashes: Promise<Map<string, { id: string; name: string }>> }>();
  private readonly jwks = new Map<string, JWTVerifyGetKey>();
  private readonly publicKeys = new Map<string, KeyObject>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly pepper: Buffer,
    /** The egress guard's fetch: JWKS URLs are fetched through it like any other outbound request. */
    private readonly egressFetch: typeof fetch,
    private readonly revocations: RevocationListener,
    private readonly logger: Logger,
  ) {
    revocations.onRevocation((r) => {
      if (r.kind === 'source') this.forgetKeys(r.flowId, r.nodeId);
      else if (r.kind === 'all') this.keys.clear();
    });
  }

  /** Starts deleting expired signatures every minute (every server does: the delete is cheap and idempotent). */
  start(): void {
    this.sweeper = setInterval(() => {
      deleteExpiredSignatures(this.pool).catch((err: unknown) => this.logger.warn({ err }, 'could not delete expired ingest signatures'));
    }, SIGNATURE_SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Forget a source's cached key hashes (after a key is made or revoked in this process). */
  forgetKeys(flowId: string, nodeId: string): void {
    this.keys.delete(`${flowId}/${nodeId}`);
  }

  /** Checks everything that does not need the body; HMAC answers 'needs-body'. */
  async beforeBody(flowId: string, nodeId: string, auth: WebhookAuth, headers: IncomingHttpHeaders, socket: Socket): Promise<SourceCheck | 'needs-body'> {
    switch (auth.type) {
      case 'none':
        return { ok: true };
      case 'apiKey':
        return this.apiKey(flowId, nodeId, headers);
      case 'hmac':
        return 'needs-body';
      case 'jwt':
        return this.jwt(auth, headers);
      case 'mtls':
        return clientCertificate(auth.subject, socket);
    }
  }

  private async apiKey(flowId: string, nodeId: string, headers: IncomingHttpHeaders): Promise<SourceCheck> {
    const sent = headers[API_KEY_HEADER];
    if (typeof sent !== 'string' || sent === '') return fail('missing_key', 'this source needs an API key: send it as X-API-Key (an admin or designer creates keys on the webhook node)');
    if (sent.length > 200) return fail('invalid_key', 'the API key is not valid for this source');
    const cacheKey = `${flowId}/${nodeId}`;
    let cached = this.keys.get(cacheKey);
    if (!cached || Date.now() - cached.at > this.revocations.cacheMs()) {
      cached = { at: Date.now(), hashes: liveKeyHashes(this.pool, flowId, nodeId) };
      cached.hashes.catch(() => this.keys.delete(cacheKey));
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(cacheKey, cached);
    }
    const hashes = await cached.hashes;
    // A lookup by the keyed hash: timing says nothing about the key, only about a random HMAC.
    if (!hashes.has(hashApiKey(this.pepper, sent))) return fail('invalid_key', 'the API key is not valid for this source (wrong, revoked, or for another source)');
    return { ok: true };
  }

  /**
   * The HMAC of `<timestamp>.<raw body>`, with the timestamp within ±5 minutes and its signature not
   * accepted before by any server process: one INSERT … ON CONFLICT DO NOTHING, a conflict is a replay.
   */
  async checkHmac(flowId: string, nodeId: string, auth: Extract<WebhookAuth, { type: 'hmac' }>, headers: IncomingHttpHeaders, body: Buffer, nowMs = Date.now()): Promise<HmacCheck> {
    const stamp = headers[auth.timestampHeader];
    const signature = headers[auth.header];
    if (typeof stamp !== 'string' || typeof signature !== 'string') {
      return fail('missing_signature', `this source needs a signed request: send ${auth.header} (HMAC-${auth.algorithm.toUpperCase()} of "<timestamp>.<body>", hex) and ${auth.timestampHeader} (Unix seconds)`);
    }
    if (!/^\d{1,12}$/.test(stamp.trim())) return fail('bad_timestamp', `${auth.timestampHeader} must be the Unix time in seconds`);
    const signedAt = Number(stamp.trim());
    const skew = Math.abs(nowMs / 1000 - signedAt);
    if (skew > HMAC_TOLERANCE_SECONDS) return fail('stale_timestamp', `${auth.timestampHeader} is ${Math.round(skew)} s away from the server's clock (at most ${HMAC_TOLERANCE_SECONDS} s): sign each request when you send it`);
    const expected = createHmac(auth.algorithm, auth.secret).update(`${stamp.trim()}.`).update(body).digest('hex');
    const given = signature.trim().replace(/^(sha256|sha512)=/i, '').toLowerCase();
    if (!safeEqual(given, expected)) return fail('bad_signature', `the signature in ${auth.header} does not match the body and timestamp`);
    // Kept until the timestamp could no longer pass the check above on any server.
    const expiresAt = new Date((signedAt + HMAC_TOLERANCE_SECONDS + SIGNATURE_MARGIN_SECONDS) * 1000);
    const key = signatureKey(flowId, nodeId, expected);
    if (!(await recordSignature(this.pool, key, expiresAt))) return fail('replayed', 'this signed request was already received (replay)');
    return { ok: true, signatureKey: key };
  }

  /**
   * Lets a signed request be sent again after it was refused further on (backpressure, a bad body):
   * nothing of it was accepted, so a retry of the same request is not a replay.
   */
  async releaseSignature(signatureKey: string): Promise<void> {
    await this.pool.query('DELETE FROM ingest_signatures WHERE signature_hash = $1', [signatureKey]);
  }

  private async jwt(auth: Extract<WebhookAuth, { type: 'jwt' }>, headers: IncomingHttpHeaders): Promise<SourceCheck> {
    const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
    if (!match) return fail('missing_token', 'this source needs an OAuth 2 access token (JWT): send it as Authorization: Bearer <token>');
    try {
      const options = { issuer: auth.issuer, audience: auth.audience, clockTolerance: 30 };
      if (auth.publicKey !== undefined) await jwtVerify(match[1]!, this.publicKey(auth.publicKey), options);
      else await jwtVerify(match[1]!, this.remoteKeys(auth.jwksUrl!), options);
      return { ok: true };
    } catch (err) {
      return jwtFailure(err);
    }
  }

  private publicKey(pem: string): KeyObject {
    let key = this.publicKeys.get(pem);
    if (!key) {
      key = createPublicKey(pem);
      this.publicKeys.set(pem, key);
    }
    return key;
  }

  private remoteKeys(url: string): JWTVerifyGetKey {
    let keys = this.jwks.get(url);
    if (!keys) {
      // jose caches the key set (10 min) and refetches on an unknown key id at most every 30 s.
      keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000, [customFetch]: this.egressFetch });
      this.jwks.set(url, keys);
    }
    return keys;
  }
}

/** What is stored of a signature: its SHA-256 with the source, never the signature or the secret. */
function signatureKey(flowId: string, nodeId: string, signature: string): string {
  return sha256(`${flowId}/${nodeId}/${signature}`);
}

/** True when the signature is new cluster-wide; false when some process accepted it already (a replay). */
async function recordSignature(pool: pg.Pool, key: string, expiresAt: Date): Promise<boolean> {
  const { rowCount } = await pool.query('INSERT INTO ingest_signatures (signature_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, expiresAt]);
  return rowCount === 1;
}

/** Signatures whose timestamps can no longer pass the check: the table holds about ten minutes of signed requests. */
export async function deleteExpiredSignatures(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query('DELETE FROM ingest_signatures WHERE expires_at < now()');
  return rowCount ?? 0;
}

function jwtFailure(err: unknown): SourceCheck {
  if (err instanceof EgressRefusedError) {
    return fail('jwks_refused', 'the identity provider’s keys are at an address Sluice may not reach (egress guard): an admin must change the source’s jwksUrl or SLUICE_EGRESS_ALLOW');
  }
  if (err instanceof joseErrors.JWTExpired) return fail('token_expired', 'the access token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = err.claim;
    if (claim === 'aud') return fail('wrong_audience', "the access token's audience (aud) is not this source's");
    if (claim === 'iss') return fail('wrong_issuer', "the access token's issuer (iss) is not this source's");
    return fail('invalid_claims', `the access token's "${claim}" claim is not acceptable`);
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed) return fail('bad_token_signature', 'the access token is not signed by a key of the issuer');
  if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) return fail('jwks_unavailable', 'the identity provider’s keys could not be fetched; try again shortly');
  return fail('invalid_token', 'the access token is not a valid JWT');
}

/** `CN=a, O=b` → [['CN','a'], ['O','b']] */
function subjectParts(subject: string): [string, string][] {
  return subject.split(',').map((part) => {
    const eq = part.indexOf('=');
    return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
  });
}

function clientCertificate(subject: string, socket: Socket): SourceCheck {
  const tls = socket as Partial<TLSSocket>;
  if (!tls.encrypted || typeof tls.getPeerCertificate !== 'function') return fail('no_tls', 'this source needs a client certificate, and this connection is not HTTPS');
  if (!tls.authorized) return fail('no_client_certificate', 'this source needs a client certificate signed by the configured client CA');
  const cert = tls.getPeerCertificate();
  for (const [name, value] of subjectParts(subject)) {
    const actual = cert.subject?.[name as keyof typeof cert.subject] as string | string[] | undefined;
    const values = Array.isArray(actual) ? actual : actual === undefined ? [] : [actual];
    if (!values.includes(value)) return fail('wrong_subject', "the client certificate's subject does not match this source");
  }
  return { ok: true };
}
