// HTTP hardening: helmet's headers with a Content-Security-Policy the built web app passes, HSTS only
// over TLS, CORS closed unless origins are listed, and limits on the shape of JSON bodies.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppError } from '@sluice/shared';

/** Deepest nesting accepted in a JSON body (objects and arrays). */
export const MAX_JSON_DEPTH = 64;
/** Longest array accepted anywhere in a JSON body (API bodies; ingest has its own byte limit). */
export const MAX_JSON_ARRAY = 10_000;

/**
 * The security headers. The CSP allows only the app's own scripts; styles may be inline because the
 * code editor (CodeMirror) and React Flow inject <style> elements; images may be data: URLs (the
 * favicon). HSTS and upgrade-insecure-requests are sent only when Sluice serves TLS, so a plain-HTTP
 * install on a laptop is never pinned to HTTPS by mistake.
 */
export function securityHeaders(options: { tls: boolean }): RequestHandler {
  const plain = helmetFor(false);
  const secure = helmetFor(true);
  return (req, res, next) => (options.tls || req.secure ? secure : plain)(req, res, next);
}

function helmetFor(tls: boolean) {
  const base = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
  return tls
    ? helmet({
        contentSecurityPolicy: { useDefaults: false, directives: { ...base, upgradeInsecureRequests: [] } },
        strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
      })
    : helmet({ contentSecurityPolicy: { useDefaults: false, directives: base }, strictTransportSecurity: false });
}

/**
 * The headers `securityHeaders` sets, as name and value pairs, for the ingest fast path that answers
 * before express. Helmet's headers depend on nothing but its options, so they are read off once, from
 * a response that is never sent.
 */
export function securityHeaderValues(tls: boolean): [string, string][] {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  let finished = false;
  helmetFor(tls)(req, res, () => {
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]);
}

/** CORS: no cross-origin browser access at all unless SLUICE_CORS_ORIGINS lists the origins. */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    allowedHeaders: ['content-type', 'authorization', 'x-csrf-token', 'x-correlation-id'],
    maxAge: 600,
  });
}

/** Refuses parsed JSON bodies nested deeper than MAX_JSON_DEPTH or with an array longer than MAX_JSON_ARRAY. */
export const jsonShapeLimits: RequestHandler = (req, _res, next) => {
  const problem = shapeProblem(req.body);
  next(problem ? new AppError('invalid_input', `body${problem.path}: ${problem.message}`, { details: { path: problem.path.replace(/^\./, '') } }) : undefined);
};

function shapeProblem(root: unknown): { path: string; message: string } | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(value)) {
      if (value.length > MAX_JSON_ARRAY) return { path, message: `has ${value.length} items; at most ${MAX_JSON_ARRAY} are accepted` };
      value.forEach((v, i) => stack.push({ value: v, depth: depth + 1, path: `${path}[${i}]` }));
    } else {
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, depth: depth + 1, path: `${path}.${k}` });
    }
  }
  return null;
}

