import { Router, type RequestHandler, type Response } from 'express';
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
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The caller of a route declared with an access other than 'public'. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('principalOf() called on a public route');
  return principal;
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

  private add(method: RouteDeclaration['method'], path: string, access: Access, handlers: RequestHandler[]): void {
    this.declarations.push({ method, path, access });
    this.router[method](path, this.guard(access), ...handlers);
  }

  private guard(access: Access): RequestHandler {
    return async (req, res, next) => {
      if (access === 'public') return next();
      const principal = await this.auth.fromHeaders(req.headers);
      if (!principal) return next(new AppError('unauthorized', 'sign in, or send an API token as `Authorization: Bearer <token>`'));
      res.locals.principal = principal;
      if (access !== 'signed-in' && !can(principal, access)) {
        return next(new AppError('forbidden', `your role (${principal.role}) may not do this: it needs ${access}`, { details: { permission: access } }));
      }
      if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
          return next(new AppError('forbidden', `a change made with the session cookie needs the ${CSRF_HEADER} header from /api/auth/me`));
        }
      }
      next();
    };
  }
}
