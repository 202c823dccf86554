// The HTTP API: express with JSON everywhere, every body parsed with the shared zod schemas, and
// one error handler that turns AppError into `{ error: { code, message, details } }`.
import express, { json } from 'express';
import type { ApiContext } from './context.js';
import { errorHandler, notFound } from './errors.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { dryRunRoutes } from './routes/dry-run.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { nodeTypeRoutes } from './routes/node-types.js';
import { webAppRoutes } from './static.js';

export function createHttpApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const api = express.Router();
  api.use(healthRoutes(ctx));
  api.use(nodeTypeRoutes());
  // Ingest reads its own body (raw, with its own limit); everything else is JSON up to 1 MB.
  api.use((req, res, next) => (req.path.endsWith('/ingest') ? next() : json({ limit: '1mb' })(req, res, next)));
  api.use(flowRoutes(ctx));
  api.use(deadLetterRoutes(ctx));
  api.use(dryRunRoutes(ctx));
  api.use(notFound);
  app.use('/api', api);
  app.use(webAppRoutes());
  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
