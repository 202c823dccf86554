import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/authenticate.js';
import type { AuditWho } from './audit-log.js';

/** The caller's address as the socket sees it (Sluice does not trust X-Forwarded-For). */
export function clientAddress(req: Request): string {
  // A request whose body was cut off has no socket any more.
  return req.socket?.remoteAddress ?? 'unknown';
}

/** The request's correlation id: the caller's `X-Correlation-Id`, else one made for this request. */
export function correlationIdOf(req: Request, res: Response): string {
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
export function whoOf(req: Request, res: Response, principal: Principal | null = (res.locals.principal as Principal | undefined) ?? null): AuditWho {
  return {
    userId: principal?.user.id ?? null,
    actor: principal ? (principal.tokenName ? `${principal.user.email} (token "${principal.tokenName}")` : principal.user.email) : null,
    sourceIp: clientAddress(req),
    correlationId: correlationIdOf(req, res),
  };
}
