// POST /api/flows/:id/ingest, the busiest request of all. The HTTP server hands it to this endpoint
// before express: express's router walk, its request and response decorations and a middleware
// chain cost more than the rest of a single-record ingest together (a plain node handler answers
// ~2.4× the requests/s of a bare express route here; bench/RESULTS.md, "ingest fast path"). Express
// still has the route, declared like every other, for the spellings the fast path does not match
// (a trailing slash, other letter case) and for cross-origin calls; both go through `handle`, so
// there is one guard, one set of checks, one audit and one way of answering.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { raw, type RequestHandler } from 'express';
import { AppError, type ErrorBody, type IngestResult } from '@sluice/shared';
import type { WebhookAuth } from '@sluice/nodes';
import type { ApiContext } from './context.js';
import { flowIdParam, isUuid } from './validate.js';
import { auditRefusal, checkAccess, SecureRouter } from './route-table.js';
import { errorAnswer } from './errors.js';
import { securityHeaderValues } from './hardening.js';
import { correlationIdOf, whoOf, type ResponseLike } from '../audit/request.js';
import { canReachFlow, type Principal } from '../auth/authenticate.js';
import { isIngestContentType } from '../ingest/parse-body.js';

const INGEST_PATH = /^\/api\/flows\/([^/]+)\/ingest$/;

/** A response with a place for what the request learns on the way (the caller, its correlation id). */
type IngestResponse = ServerResponse & ResponseLike;

export interface IngestEndpoint {
  /**
   * Serves the request when it is an ingest the fast path takes (POST, the exact path, no
   * cross-origin call to answer) and returns true; returns false, touching nothing, otherwise.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** The handler of the route express declares. */
  express: RequestHandler;
}

export function createIngestEndpoint(ctx: ApiContext): IngestEndpoint {
  const readBody = raw({ type: () => true, limit: ctx.ingestLimitBytes });
  const headers = { plain: securityHeaderValues(false), secure: securityHeaderValues(true) };

  /** Refuses an ingest request from a source's credentials: 401, audited (bounded per source and address). */
  const refuseSource = (req: IncomingMessage, res: IngestResponse, flowId: string, nodeId: string | null, authType: string, reason: string, message: string): AppError => {
    const who = whoOf(req, res, null);
    ctx.audit.recordBounded(`ingest:${flowId}:${nodeId ?? ''}:${who.sourceIp ?? ''}:${reason}`, who, {
      action: 'ingest.denied',
      outcome: 'failure',
      resource: { type: 'flow', id: flowId },
      details: { source: nodeId, auth: authType, reason },
    });
    // The producer may well be right: the identity provider could not be asked. Try again, not "you are wrong".
    if (reason === 'jwks_unavailable') return new AppError('unavailable', message, { details: { reason }, headers: { 'Retry-After': '30' } });
    return new AppError('unauthorized', message, { details: { reason } });
  };

  /** Who may post: the Sluice caller (if any) passed, or the source's own credentials checked as far as they can be before the body. */
  const admit = async (req: IncomingMessage, res: IngestResponse, path: string, rawFlowId: string, sourceNode: string | undefined): Promise<{ nodeId: string; auth: Extract<WebhookAuth, { type: 'hmac' }> } | null> => {
    const flowId = rawFlowId.toLowerCase();
    const access = await checkAccess(ctx.auth, 'POST', req.headers, 'flows:ingest', true);
    if (!access.ok) {
      auditRefusal(ctx.audit, whoOf(req, res, access.principal), `POST ${path}`, access.refusal);
      throw access.error;
    }
    const principal: Principal | null = access.principal;
    if (principal) {
      res.locals.principal = principal;
      // Producers reach only the flows granted to them; say nothing about the others.
      if (!canReachFlow(principal, flowId)) {
        ctx.audit.recordBounded(`ingest:${principal.user.id}:${flowId}`, whoOf(req, res), { action: 'ingest.denied', outcome: 'denied', resource: { type: 'flow', id: flowId }, details: { reason: 'flow_not_granted' } });
        throw new AppError('not_found', `no flow with id ${rawFlowId}`);
      }
      return null;
    }
    // No Sluice credentials: the source's own. An unknown flow or source gets the same 401.
    const source = isUuid(flowId) ? await ctx.ingest.sourceAuth(flowId, sourceNode) : null;
    if (!source || !source.auth) {
      throw refuseSource(req, res, flowId, source?.nodeId ?? null, 'unknown', 'no_credentials', 'send the source’s credentials, or a Sluice API token as `Authorization: Bearer <token>`');
    }
    const check = await ctx.sourceAuth.beforeBody(flowId, source.nodeId, source.auth, req.headers, req.socket);
    if (check === 'needs-body') {
      // Only a signature over the body is checked after it.
      if (source.auth.type === 'hmac') return { nodeId: source.nodeId, auth: source.auth };
      throw new Error(`the ${source.auth.type} check of a source asked for the body`);
    }
    if (!check.ok) throw refuseSource(req, res, flowId, source.nodeId, source.auth.type, check.reason, check.message);
    return null;
  };

  const body = (req: IncomingMessage, res: ServerResponse): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      readBody(req, res, (err?: unknown) => {
        if (err) reject(err);
        else {
          const parsed = (req as IncomingMessage & { body?: unknown }).body;
          resolve(Buffer.isBuffer(parsed) ? parsed : Buffer.alloc(0));
        }
      });
    });

  /** The whole exchange, whichever way the request came; answers every outcome itself. */
  const handle = async (req: IncomingMessage, res: IngestResponse, path: string, rawFlowId: string, query: URLSearchParams): Promise<void> => {
    const flowKey = rawFlowId.toLowerCase();
    // Every ingest answer is counted by flow and status (for /metrics), whatever answered it.
    res.on('finish', () => ctx.ingestRequests.count(flowKey, res.statusCode));
    const sources = query.getAll('source');
    const sourceNode = sources.length === 1 ? sources[0] : undefined;
    let signatureKey: string | null = null;
    try {
      const hmac = await admit(req, res, path, rawFlowId, sourceNode);
      // Refuse other media types before reading a byte of the body.
      if (!isIngestContentType(req.headers['content-type'])) {
        throw new AppError('unsupported_media_type', `send application/json or application/x-ndjson, not "${req.headers['content-type'] ?? 'nothing'}"`);
      }
      const bytes = await body(req, res);
      const flowId = flowIdParam(rawFlowId);
      if (hmac) {
        const check = await ctx.sourceAuth.checkHmac(flowId, hmac.nodeId, hmac.auth, req.headers, bytes);
        if (!check.ok) throw refuseSource(req, res, flowId, hmac.nodeId, 'hmac', check.reason, check.message);
        signatureKey = check.signatureKey;
      }
      const correlation = req.headers['x-correlation-id'];
      const correlationId = typeof correlation === 'string' && correlation.trim() !== '' ? correlation.trim().slice(0, 200) : undefined;
      const result = await ctx.ingest.ingest({ flowId, body: bytes, contentType: req.headers['content-type'], correlationId, sourceNodeId: sourceNode });
      send(res, 202, result);
    } catch (err) {
      // Refused before anything was written (429, a bad body): the producer may send the same signed
      // request again. Not after an internal or database error, where a commit may have happened.
      if (signatureKey && err instanceof AppError && err.code !== 'internal' && err.code !== 'unavailable') {
        await ctx.sourceAuth.releaseSignature(signatureKey).catch((releaseErr: unknown) => ctx.logger.warn({ err: releaseErr }, 'could not release an ingest signature'));
      }
      const answer = errorAnswer(err, ctx.logger, { method: 'POST', path });
      send(res, answer.status, answer.body, answer.headers);
    }
  };

  return {
    serve(req, res) {
      if (req.method !== 'POST' || req.url === undefined) return false;
      const q = req.url.indexOf('?');
      const path = q === -1 ? req.url : req.url.slice(0, q);
      const match = INGEST_PATH.exec(path);
      // A cross-origin call needs the CORS answer express's middleware gives.
      if (!match || (ctx.corsOrigins.length > 0 && req.headers.origin !== undefined)) return false;
      let flowId: string;
      try {
        flowId = decodeURIComponent(match[1]!);
      } catch {
        return false; // express answers a malformed escape
      }
      const response = res as IngestResponse;
      response.locals = {};
      const secure = ctx.tls || req.socket instanceof TLSSocket;
      for (const [name, value] of secure ? headers.secure : headers.plain) res.setHeader(name, value);
      res.setHeader('x-correlation-id', correlationIdOf(req, response));
      handle(req, response, path, flowId, new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1))).catch((err: unknown) => {
        // handle answers every outcome itself; this is only for a failure while answering.
        ctx.logger.error({ err, path }, 'could not answer an ingest request');
        res.destroy();
      });
      return true;
    },
    express: (req, res) => {
      const q = req.originalUrl.indexOf('?');
      return handle(req, res, req.originalUrl.slice(0, q === -1 ? undefined : q), String(req.params.id), new URLSearchParams(q === -1 ? '' : req.originalUrl.slice(q + 1)));
    },
  };
}

/** POST /flows/:id/ingest as express knows it: declared in the route table, served by the endpoint. */
export function flowIngestRoutes(ctx: ApiContext, endpoint: IngestEndpoint) {
  const router = new SecureRouter(ctx.auth, ctx.routes);
  router.ingest('/flows/:id/ingest', 'flows:ingest', endpoint.express);
  return router.router;
}

function send(res: ServerResponse, status: number, body: IngestResult | ErrorBody, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
