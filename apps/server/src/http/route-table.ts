import type { IncomingHttpHeaders } from 'node:http';
import { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { AuditLog, AuditWho } from '../audit/audit-log.js';
import { whoOf } from '../audit/request.js';
import { AppError, CSRF_HEADER, type Permission } from '@sluice/shared';
import { can, type Authenticator, type Principal } from '../auth/authenticate.js';
import { safeEqual } from '../auth/crypto.js';

/** What a route requires: a permission, merely a signed-in caller, or nothing (public). */
export type Access = Permission | 'signed-in' | 'public';

export interface RouteDeclaration {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The path as mounted under /api. */
  path: string;
  access: Access;
  /** Ingest routes: a caller without Sluice credentials may still come in with the source's own (API key, signature, JWT, client certificate). */
  sourceCredentials?: boolean;
}

/** What the guard refused, for the audit log (read by the error handler). */
export interface GuardRefusal {
  status: 401 | 403;
  access: Access;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The caller of a route declared with an access other than 'public'. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('principalOf() called on a public route');
  return principal;
}

/** The caller when there may be none (ingest routes with source credentials). */
export function maybePrincipalOf(res: Response): Principal | null {
  return (res.locals.principal as Principal | undefined) ?? null;
}

/** Audits one refusal of the guard (401, 403), bounded per caller, route and minute so a scanner cannot fill the disk. */
export function auditRefusal(audit: AuditLog, who: AuditWho, route: string, refusal: GuardRefusal): void {
  audit.recordBounded(`denied:${who.userId ?? who.sourceIp}:${route}`, who, {
    action: 'auth.denied',
    outcome: refusal.status === 401 ? 'failure' : 'denied',
    resource: { type: 'route', id: route },
    details: { status: refusal.status, needs: refusal.access },
  });
}

/** Writes an audit entry for every refusal of the guard. An error middleware: it passes the error on. */
export function auditRefusals(audit: AuditLog): ErrorRequestHandler {
  return (err, req, res, next) => {
    const refusal = res.locals.guardRefusal as GuardRefusal | undefined;
    if (refusal) auditRefusal(audit, whoOf(req, res), `${req.method} ${req.originalUrl.split('?')[0]}`, refusal);
    next(err);
  };
}

/** What the guard decided: go on (with the caller, or with none on an ingest route), or refuse. */
export type AccessCheck =
  | { ok: true; principal: Principal | null }
  /** `principal`: who was refused, when they were known (a 403), for the audit entry. */
  | { ok: false; error: AppError; refusal: GuardRefusal; principal: Principal | null };

/**
 * The guard's decision for a request: 401 without valid credentials, 403 without the permission
 * or, for cookie-authenticated writes, without the CSRF token. On an ingest route (`sourceCredentials`)
 * a caller without Sluice credentials goes on with no principal: the route checks the source's own.
 */
export async function checkAccess(auth: Authenticator, method: string, headers: IncomingHttpHeaders, access: Access, sourceCredentials: boolean): Promise<AccessCheck> {
  const refuse = (error: AppError, principal: Principal | null = null): AccessCheck => ({ ok: false, error, refusal: { status: error.status as 401 | 403, access }, principal });
  if (access === 'public') return { ok: true, principal: null };
  const principal = await auth.fromHeaders(headers);
  if (!principal && sourceCredentials) return { ok: true, principal: null };
  if (!principal) return refuse(new AppError('unauthorized', 'sign in, or send an API token as `Authorization: Bearer <token>`'));
  if (access !== 'signed-in' && !can(principal, access)) {
    return refuse(new AppError('forbidden', `your role (${principal.role}) may not do this: it needs ${access}`, { details: { permission: access } }), principal);
  }
  if (principal.via === 'session' && !SAFE_METHODS.has(method)) {
    const sent = headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
      return refuse(new AppError('forbidden', `a change made with the session cookie needs the ${CSRF_HEADER} header from /api/auth/me`), principal);
    }
  }
  return { ok: true, principal };
}

/**
 * A router whose every route must say what it requires: `routes.get('/flows', 'flows:read', …)`.
 * The declarations are collected (the authorization test reads them next to express's own route
 * list), and each route gets the check in front of its handlers: 401 without valid credentials,
 * 403 without the permission or, for cookie-authenticated writes, without the CSRF token.
 */
export class SecureRouter {
  readonly router = Router();

  constructor(
    private readonly auth: Authenticator,
    private readonly declarations: RouteDeclaration[],
  ) {}

  get(path: string, access: Access, ...handlers: RequestHandler[]): void {
    this.add('get', path, access, handlers);
  }
  post(path: string, access: Access, ...handlers: RequestHandler[]): void {
    this.add('post', path, access, handlers);
  }
  put(path: string, access: Access, ...handlers: RequestHandler[]): void {
    this.add('put', path, access, handlers);
  }
  patch(path: string, access: Access, ...handlers: RequestHandler[]): void {
    this.add('patch', path, access, handlers);
  }
  delete(path: string, access: Access, ...handlers: RequestHandler[]): void {
    this.add('delete', path, access, handlers);
  }

  /**
   * An ingest route. Its endpoint guards itself with `checkAccess(…, sourceCredentials: true)`: a
   * Sluice token or session with `permission` is checked as usual, and a caller without one goes on
   * with no principal to the source's own credentials. It guards itself because the same endpoint
   * also answers requests the server hands it before express (see createRequestListener).
   */
  ingest(path: string, permission: Permission, endpoint: RequestHandler): void {
    this.declarations.push({ method: 'post', path, access: permission, sourceCredentials: true });
    this.router.post(path, endpoint);
  }

  private add(method: RouteDeclaration['method'], path: string, access: Access, handlers: RequestHandler[]): void {
    this.declarations.push({ method, path, access });
    this.router[method](path, this.guard(access), ...handlers);
  }

  private guard(access: Access): RequestHandler {
    return async (req, res, next) => {
      const check = await checkAccess(this.auth, req.method, req.headers, access, false);
      if (check.principal) res.locals.principal = check.principal;
      if (!check.ok) {
        res.locals.guardRefusal = check.refusal;
        return next(check.error);
      }
      next();
    };
  }
}
