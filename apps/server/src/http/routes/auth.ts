import type { Response } from 'express';
import { clientAddress, maskEmail, whoOf } from '../../audit/request.js';
import {
  AppError,
  CreateTokenBodySchema,
  CreateUserBodySchema,
  LoginBodySchema,
  mayGrant,
  ROLE_PERMISSIONS,
  UpdateUserBodySchema,
  type SessionInfo,
} from '@sluice/shared';
import { SESSION_COOKIE, type Principal } from '../../auth/authenticate.js';
import { decoyHash, verifyPassword } from '../../auth/passwords.js';
import { createSession, createToken, createUser, findUserByEmail, listTokens, listUsers, revokeSession, revokeToken, SESSION_TTL_HOURS, updateUser } from '../../auth/store.js';
import type { ApiContext } from '../context.js';
import { principalOf, SecureRouter } from '../route-table.js';
import { parseRequest } from '../validate.js';

function sessionInfo(principal: Pick<Principal, 'user' | 'role' | 'csrfToken'>): SessionInfo {
  return { user: principal.user, permissions: [...ROLE_PERMISSIONS[principal.role]], csrfToken: principal.csrfToken };
}

function sessionCookie(res: Response, value: string, maxAgeSeconds: number, secure: boolean): void {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure) parts.push('Secure');
  res.setHeader('Set-Cookie', parts.join('; '));
}

/** Sign-in, sign-out, who am I; personal API tokens; users (admins). */
export function authRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);

  router.post('/auth/login', 'public', async (req, res) => {
    const body = parseRequest(LoginBodySchema, req.body);
    const address = clientAddress(req);
    await ctx.loginLimiter.check(body.email, address).catch((err: unknown) => {
      ctx.audit.recordBounded(`login-limited:${address}:${body.email}`, whoOf(req, res, null), { action: 'auth.login', outcome: 'denied', details: { email: maskEmail(body.email), reason: 'rate_limited' } });
      throw err;
    });
    const user = await findUserByEmail(ctx.pool, body.email);
    // Verify against a decoy when there is no such user: the same time and the same answer.
    const ok = (await verifyPassword(user?.passwordHash ?? (await decoyHash()), body.password)) && user !== null && !user.disabled;
    if (!ok || !user) {
      await ctx.loginLimiter.fail(body.email, address);
      // The same entry whether or not the account exists: no user id, the address masked.
      await ctx.audit.recordRequest(req, res, { action: 'auth.login', outcome: 'failure', details: { email: maskEmail(body.email) } });
      throw new AppError('unauthorized', 'wrong email or password');
    }
    await ctx.loginLimiter.succeed(body.email);
    const session = await createSession(ctx.pool, user.id);
    await ctx.audit.record(
      { ...whoOf(req, res, null), userId: user.id, actor: user.email },
      { action: 'auth.login', outcome: 'success', resource: { type: 'user', id: user.id } },
    );
    sessionCookie(res, session.cookie, SESSION_TTL_HOURS * 3600, ctx.tls);
    const { passwordHash: _hash, ...publicUser } = user;
    res.json(sessionInfo({ user: publicUser, role: user.role, csrfToken: session.csrfToken }));
  });

  router.post('/auth/logout', 'signed-in', async (req, res) => {
    const principal = principalOf(res);
    if (principal.sessionIdHash) await revokeSession(ctx.pool, principal.sessionIdHash);
    await ctx.audit.recordRequest(req, res, { action: 'auth.logout', outcome: 'success', resource: { type: 'user', id: principal.user.id } });
    sessionCookie(res, '', 0, ctx.tls);
    res.status(204).end();
  });

  router.get('/auth/me', 'signed-in', (_req, res) => {
    res.json(sessionInfo(principalOf(res)));
  });

  router.get('/tokens', 'tokens:own', async (_req, res) => {
    res.json(await listTokens(ctx.pool, principalOf(res).user.id));
  });

  router.post('/tokens', 'tokens:own', async (req, res) => {
    const principal = principalOf(res);
    const body = parseRequest(CreateTokenBodySchema, req.body);
    const role = body.role ?? principal.role;
    if (!mayGrant(principal.role, role)) throw new AppError('forbidden', `a ${principal.role} may not create a ${role} token`, { details: { path: 'role' } });
    const flowIds = role === 'data_producer' ? (body.flowIds ?? []) : [];
    if (principal.flowIds) {
      const outside = flowIds.filter((id) => !principal.flowIds!.has(id));
      if (outside.length) throw new AppError('forbidden', 'a token cannot reach flows its owner cannot', { details: { path: 'flowIds', flowIds: outside } });
    }
    const { token, info } = await createToken(ctx.pool, principal.user.id, { name: body.name, role, flowIds });
    await ctx.audit.recordRequest(req, res, { action: 'token.create', outcome: 'success', resource: { type: 'token', id: info.id }, details: { name: info.name, role, flowIds } });
    res.status(201).json({ ...info, token });
  });

  router.delete('/tokens/:id', 'tokens:own', async (req, res) => {
    const principal = principalOf(res);
    const id = String(req.params.id);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', `no token with id ${id}`);
    const hash = await revokeToken(ctx.pool, id, principal.role === 'system_admin' ? null : principal.user.id);
    ctx.auth.forgetToken(hash);
    await ctx.audit.recordRequest(req, res, { action: 'token.revoke', outcome: 'success', resource: { type: 'token', id } });
    res.status(204).end();
  });

  router.get('/users', 'users:manage', async (_req, res) => {
    res.json(await listUsers(ctx.pool));
  });

  router.post('/users', 'users:manage', async (req, res) => {
    const body = parseRequest(CreateUserBodySchema, req.body);
    const user = await createUser(ctx.pool, body);
    await ctx.audit.recordRequest(req, res, { action: 'user.create', outcome: 'success', resource: { type: 'user', id: user.id }, details: { email: maskEmail(user.email), role: user.role, flowIds: body.flowIds ?? [] } });
    res.status(201).json(user);
  });

  router.patch('/users/:id', 'users:manage', async (req, res) => {
    const id = String(req.params.id);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', `no user with id ${id}`);
    const body = parseRequest(UpdateUserBodySchema, req.body);
    if (id === principalOf(res).user.id && (body.disabled || (body.role && body.role !== 'system_admin'))) {
      throw new AppError('conflict', 'you cannot disable or demote yourself; ask another admin');
    }
    const user = await updateUser(ctx.pool, id, body);
    // What changed, never the password itself.
    const { password, ...change } = body;
    await ctx.audit.recordRequest(req, res, { action: 'user.update', outcome: 'success', resource: { type: 'user', id }, details: { ...change, ...(password === undefined ? {} : { passwordChanged: true }) } });
    res.json(user);
  });

  return router.router;
}
