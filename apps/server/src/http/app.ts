// The HTTP API: express with JSON everywhere, every body parsed with the shared zod schemas, and
// one error handler that turns AppError into `{ error: { code, message, details } }`.
import express, { json, type Router } from 'express';
import { authRoutes } from './routes/auth.js';
import { alertRoutes } from './routes/alerts.js';
import { qualityRoutes } from './routes/quality.js';
import { workerRoutes } from './routes/workers.js';
import type { ApiContext } from './context.js';
import { errorHandler, notFound } from './errors.js';
import { connectorRoutes } from './routes/connectors.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { dryRunRoutes } from './routes/dry-run.js';
import { flowRoutes } from './routes/flows.js';
import { createIngestEndpoint, flowIngestRoutes, type IngestEndpoint } from './ingest-endpoint.js';
import type { RequestListener } from 'node:http';
import { healthRoutes, metricsRoutes } from './routes/health.js';
import { createMetricsRegistry } from '../observability/metrics.js';
import { nodeTypeRoutes } from './routes/node-types.js';
import { secretRoutes } from './routes/secrets.js';
import { runRoutes } from './routes/runs.js';
import { webAppRoutes } from './static.js';
import { auditRoutes } from './routes/audit.js';
import { sourceKeyRoutes } from './routes/source-keys.js';
import { auditRefusals } from './route-table.js';
import { correlationIdOf } from '../audit/request.js';
import { corsPolicy, jsonShapeLimits, securityHeaders } from './hardening.js';

/** Every route express knows, as `method path`, read from the routers themselves. */
export function expressRoutes(routers: Router[]): string[] {
  const found: string[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (!route) continue;
      for (const method of Object.keys(route.methods)) found.push(`${method} ${route.path}`);
    }
  }
  return found;
}

/** Deny by default: a route that reached express without declaring its access stops the server. */
function assertEveryRouteDeclared(routers: Router[], ctx: ApiContext): void {
  const declared = new Set(ctx.routes.map((r) => `${r.method} ${r.path}`));
  const undeclared = expressRoutes(routers).filter((r) => !declared.has(r));
  if (undeclared.length) throw new Error(`routes without a declared access: ${undeclared.join(', ')}`);
}

/**
 * The server's request listener: ingest requests go straight to their endpoint (see
 * ingest-endpoint.ts), everything else to express.
 */
export function createRequestListener(ctx: ApiContext): { app: express.Express; listener: RequestListener } {
  const ingest = createIngestEndpoint(ctx);
  const app = createHttpApp(ctx, ingest);
  return {
    app,
    listener: (req, res) => {
      if (!ingest.serve(req, res)) app(req, res);
    },
  };
}

export function createHttpApp(ctx: ApiContext, ingest: IngestEndpoint): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders({ tls: ctx.tls }));
  const api = express.Router();
  const metrics = metricsRoutes(ctx, createMetricsRegistry(ctx.pool));
  const routers = [
    // First: single-record ingest is the busiest request, and express tries routers in order.
    flowIngestRoutes(ctx, ingest),
    healthRoutes(ctx),
    metrics,
    nodeTypeRoutes(ctx),
    authRoutes(ctx),
    flowRoutes(ctx),
    deadLetterRoutes(ctx),
    dryRunRoutes(ctx),
    auditRoutes(ctx),
    sourceKeyRoutes(ctx),
    secretRoutes(ctx),
    alertRoutes(ctx),
    qualityRoutes(ctx),
    workerRoutes(ctx),
    runRoutes(ctx),
    connectorRoutes(ctx),
  ];
  api.use(corsPolicy(ctx.corsOrigins));
  // Ingest reads its own body (raw, with its own limit) and file uploads stream theirs; everything
  // else is JSON up to 1 MB.
  const ownBody = /\/(?:ingest|files)\/?$/i; // as express matches routes: any letter case, an optional trailing slash
  const jsonBody = json({ limit: '1mb' });
  api.use((req, res, next) => (ownBody.test(req.path) ? next() : jsonBody(req, res, next)));
  // Every request has a correlation id (the caller's X-Correlation-Id or a new one), echoed back.
  api.use((req, res, next) => {
    res.setHeader('x-correlation-id', correlationIdOf(req, res));
    next();
  });
  api.use(jsonShapeLimits);
  for (const router of routers) api.use(router);
  assertEveryRouteDeclared(routers, ctx);
  // For the authorization test: the routes as express has them, to compare with the declarations.
  app.locals.apiRoutes = expressRoutes(routers);
  api.use(notFound);
  app.use('/api', api);
  app.use(metrics); // Prometheus looks for /metrics at the root
  app.use(webAppRoutes());
  app.use(notFound);
  app.use(auditRefusals(ctx.audit));
  app.use(errorHandler(ctx.logger));
  return app;
}
