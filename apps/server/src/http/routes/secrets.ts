import { auditSecretChange } from '../../audit/index.js';
import { AppError, PutSecretBodySchema, SecretNameSchema } from '@sluice/shared';
import type { ApiContext } from '../context.js';
import { parseRequest } from '../validate.js';
import { principalOf, SecureRouter } from '../route-table.js';

/**
 * The vault's API, write-only: list names (set or not, when, by whom), set or replace a value,
 * delete. No route ever answers a value. Changing a secret drops this process's compiled plans so
 * the next chunk compiles with the new value.
 */
export function secretRoutes(ctx: ApiContext) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  const nameParam = (value: unknown) => parseRequest(SecretNameSchema, value, 'name');

  router.get('/secrets', 'secrets:manage', async (_req, res) => {
    res.json(await ctx.vault.list());
  });

  // Names only, for whoever builds flows: the settings form offers them when a field takes a secret.
  router.get('/secrets/names', 'flows:write', async (_req, res) => {
    res.json((await ctx.vault.list()).map((s) => s.name));
  });

  router.put('/secrets/:name', 'secrets:manage', async (req, res) => {
    const name = nameParam(req.params.name);
    const body = parseRequest(PutSecretBodySchema, req.body);
    const created = await ctx.vault.put(name, body.value, principalOf(res).user.id);
    ctx.secretsChanged();
    await auditSecretChange(ctx.audit, req, res, created ? 'create' : 'update', name);
    ctx.logger.info({ secret: name, created, by: principalOf(res).user.id }, created ? 'secret created' : 'secret replaced');
    res.status(created ? 201 : 200).json({ name, set: true });
  });

  router.delete('/secrets/:name', 'secrets:manage', async (req, res) => {
    const name = nameParam(req.params.name);
    if (!(await ctx.vault.delete(name))) throw new AppError('not_found', `no secret named "${name}"`);
    ctx.secretsChanged();
    await auditSecretChange(ctx.audit, req, res, 'delete', name);
    ctx.logger.info({ secret: name, by: principalOf(res).user.id }, 'secret deleted');
    res.status(204).end();
  });

  return router.router;
}
