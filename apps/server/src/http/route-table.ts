import { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
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

/**
 * Writes an audit entry for every refusal of the guard (401, 403), bounded per caller, route and
 * minute so a scanner cannot fill the disk. An error middleware: it passes the error on.
 */
export function auditRefusals(audit: AuditLog): ErrorRequestHandler {
  return (err, req, res, next) => {
    const refusal = res.locals.guardRefusal as GuardRefusal | undefined;
    if (refusal) {
      const who = whoOf(req, res);
      const route = `${req.method} ${req.originalUrl.split('?')[0]}`;
      audit.recordBounded(`denied:${who.userId ?? who.sourceIp}:${route}`, who, {
        action: 'auth.denied',
        outcome: refusal.status === 401 ? 'failure' : 'denied',
        resource: { type: 'route', id: route },
        details: { status: refusal.status, needs: refusal.access },
      });
    }
    next(err);
  };
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
   * An ingest route: a Sluice token or session with `permission` is checked as usual; a caller
   * without one passes with no principal, and the handlers must check the source's own credentials.
   */
  ingest(path: string, permission: Permission, ...handlers: RequestHandler[]): void {
    this.declarations.push({ method: 'post', path, access: permission, sourceCredentials: true });
    this.router.post(path, this.guard(permission, true), ...handlers);
  }

  private add(method: RouteDeclaration['method'], path: string, access: Access, handlers: RequestHandler[]): void {
    this.declarations.push({ method, path, access });
    this.router[method](path, this.guard(access, false), ...handlers);
  }

  private guard(access: Access, sourceCredentials: boolean): RequestHandler {
    const refuse = (res: Response, error: AppError) => {
      res.locals.guardRefusal = { status: error.status as 401 | 403, access } satisfies GuardRefusal;
      return error;
    };
    return async (req, res, next) => {
      if (access === 'public') return next();
      const principal = await this.auth.fromHeaders(req.headers);
      if (!principal && sourceCredentials) return next();
      if (!principal) return next(refuse(res, new AppError('unauthorized', 'sign in, or send an API token as `Authorization: Bearer <token>`')));
      res.locals.principal = principal;
      if (access !== 'signed-in' && !can(principal, access)) {
        return next(refuse(res, new AppError('forbidden', `your role (${principal.role}) may not do this: it needs ${access}`, { details: { permission: access } })));
      }
      if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
          return next(refuse(res, new AppError('forbidden', `a change made with the session cookie needs the ${CSRF_HEADER} header from /api/auth/me`)));
        }
      }
      next();
    };
  }
}
