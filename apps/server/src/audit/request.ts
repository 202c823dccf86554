import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/authenticate.js';
import type { AuditWho } from './audit-log.js';

/** What these helpers read of a request: an express one, or a plain node one on the ingest fast path. */
export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string | undefined } | null;
}

/** What they keep on a response: express's `res.locals`, or the fast path's own. */
export interface ResponseLike {
  locals: Record<string, unknown>;
}

/** The caller's address as the socket sees it (Sluice does not trust X-Forwarded-For). */
export function clientAddress(req: RequestLike): string {
  // A request whose body was cut off has no socket any more.
  return req.socket?.remoteAddress ?? 'unknown';
}

/** The request's correlation id: the caller's `X-Correlation-Id`, else one made for this request. */
export function correlationIdOf(req: RequestLike, res: ResponseLike): string {
  const existing = res.locals.correlationId as string | undefined;
  if (existing) return existing;
  const sent = req.headers['x-correlation-id'];
  const id = typeof sent === 'string' && sent.trim() !== '' ? sent.trim().slice(0, 200) : randomUUID();
  res.locals.correlationId = id;
  return id;
}

/** `alice@example.com` → `a***@example.com`: enough to tell accounts apart, not the full address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Who an audit entry is about: the signed-in caller (if any), their address and correlation id. */
export function whoOf(req: RequestLike, res: ResponseLike, principal: Principal | null = (res.locals.principal as Principal | undefined) ?? null): AuditWho {
  return {
    userId: principal?.user.id ?? null,
    actor: principal ? (principal.tokenName ? `${principal.user.email} (token "${principal.tokenName}")` : principal.user.email) : null,
    sourceIp: clientAddress(req),
    correlationId: correlationIdOf(req, res),
  };
}
