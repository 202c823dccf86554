import type { IncomingHttpHeaders } from 'node:http';
import type pg from 'pg';
import { mayGrant, ROLE_PERMISSIONS, type Permission, type Role, type User } from '@sluice/shared';
import { sha256 } from './crypto.js';
import { findSession, findToken, grantedFlows } from './store.js';
import type { Revocation, RevocationListener } from './revocations.js';

/** The caller of a request or socket, once authenticated. */
export interface Principal {
  user: User;
  /** The role in force: the user's, or the (possibly narrower) role of the token used. */
  role: Role;
  permissions: ReadonlySet<Permission>;
  via: 'session' | 'token';
  /** For sessions: the token that cookie-authenticated writes must echo. */
  csrfToken: string | null;
  sessionIdHash: string | null;
  tokenId: string | null;
  /** The API token's name, for the audit log. */
  tokenName: string | null;
  /** Flows a data_producer may ingest into; null for roles that reach every flow. */
  flowIds: ReadonlySet<string> | null;
}

export const SESSION_COOKIE = 'sluice_session';

export function can(principal: Principal | null, permission: Permission): boolean {
  return principal !== null && principal.permissions.has(permission);
}

/** May this caller act on this flow? Producers only on the flows granted to them. */
export function canReachFlow(principal: Principal, flowId: string): boolean {
  return principal.flowIds === null || principal.flowIds.has(flowId);
}

export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  return match?.[1];
}

/**
 * Finds who is calling from the headers: an `Authorization: Bearer` API token, else the session
 * cookie. Null when neither is present or valid.
 *
 * API tokens are cached (ingest must not pay a query per request) for as long as the revocation
 * listener says: a minute while revocations are announced — they evict at once, in every process —
 * and a second while its connection is down. Sessions are looked up on every request.
 */
export class Authenticator {
  private readonly tokens = new Map<string, { at: number; principal: Principal | null }>();
  /** Bumped by every revocation: a lookup that began before one does not fill the cache. */
  private generation = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly revocations: RevocationListener,
  ) {
    revocations.onRevocation((r) => this.forget(r));
  }

  async fromHeaders(headers: IncomingHttpHeaders): Promise<Principal | null> {
    const token = bearer(headers);
    if (token !== undefined) return this.fromToken(token);
    const cookie = readCookie(headers, SESSION_COOKIE);
    if (cookie !== undefined) return this.fromSession(cookie);
    return null;
  }

  /** Forget a revoked token at once in this process (the announcement reaches the others). */
  forgetToken(tokenHash: string): void {
    this.generation += 1;
    this.tokens.delete(tokenHash);
  }

  private forget(revocation: Revocation): void {
    this.generation += 1;
    switch (revocation.kind) {
      case 'token':
        this.tokens.delete(revocation.tokenHash);
        break;
      case 'user':
        for (const [key, cached] of this.tokens) if (cached.principal?.user.id === revocation.userId) this.tokens.delete(key);
        break;
      case 'all':
        this.tokens.clear();
        break;
      default:
        break; // sessions are not cached; source keys are the source authenticator's
    }
  }

  private async fromToken(token: string): Promise<Principal | null> {
    if (token.length > 200) return null;
    const key = sha256(token);
    const cached = this.tokens.get(key);
    if (cached && Date.now() - cached.at < this.revocations.cacheMs()) return cached.principal;
    const generation = this.generation;
    const found = await findToken(this.pool, token);
    let principal: Principal | null = null;
    // A token never carries more than its owner may grant now (after a demotion, say).
    const role = found ? (mayGrant(found.user.role, found.role) ? found.role : found.role === 'data_producer' ? null : found.user.role) : null;
    if (found && role) {
      principal = {
        user: found.user,
        role,
        permissions: new Set(ROLE_PERMISSIONS[role]),
        via: 'token',
        csrfToken: null,
        sessionIdHash: null,
        tokenId: found.tokenId,
        tokenName: found.tokenName,
        flowIds: role === 'data_producer' ? new Set(found.flowIds.length ? found.flowIds : await grantedFlows(this.pool, found.user.id)) : null,
      };
    }
    // What was read before a revocation arrived may be what it revoked: answer with it, keep it not.
    if (generation !== this.generation) return principal;
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.set(key, { at: Date.now(), principal });
    return principal;
  }

  private async fromSession(cookie: string): Promise<Principal | null> {
    if (cookie.length > 200) return null;
    const session = await findSession(this.pool, cookie);
    if (!session) return null;
    const role = session.user.role;
    return {
      user: session.user,
      role,
      permissions: new Set(ROLE_PERMISSIONS[role]),
      via: 'session',
      csrfToken: session.csrfToken,
      sessionIdHash: session.idHash,
      tokenId: null,
      tokenName: null,
      flowIds: role === 'data_producer' ? new Set(await grantedFlows(this.pool, session.user.id)) : null,
    };
  }
}

