import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '@sluice/shared';
import type { Logger } from '../logger.js';

/** Errors raised by express's body parsers, by their `type`. */
function fromBodyParser(err: { type?: string; status?: number; message?: string; limit?: number }): AppError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', `the body is larger than the limit of ${err.limit ?? 'the configured'} bytes`, { details: { limit: err.limit } });
    case 'entity.parse.failed':
      return new AppError('invalid_input', `the body is not valid JSON: ${err.message ?? ''}`.trim());
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', err.message ?? 'unsupported encoding');
    case 'request.aborted':
      return new AppError('invalid_input', 'the request was aborted before its body arrived');
    default:
      if (err.status && err.status >= 400 && err.status < 500) return new AppError('invalid_input', err.message ?? 'bad request');
      return null;
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when an error (or one of its causes) says the database cannot be reached right now: a
 * refused or dropped connection, Postgres shutting down or starting (57P0x), too many connections
 * (53300), the database gone (3D000) or closed to connections, or the pool giving up waiting.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^(08|57P0)/.test(code) || code === '53300' || code === '3D000')) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down)/i.test(message)) return true;
  }
  return false;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError =
      err instanceof AppError
        ? err
        : isDatabaseUnavailable(err)
          ? new AppError('unavailable', 'the database is unreachable right now; nothing was accepted; try again shortly', { headers: { 'Retry-After': '5' } })
          : fromBodyParser(err);
    if (appError) {
      if (appError.code === 'unavailable') logger.warn({ err, method: req.method, path: req.path }, 'database unavailable');
      for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
      res.status(appError.status).json(appError.toBody());
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(new AppError('internal', 'something went wrong on our side; it has been logged').toBody());
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route ${req.method} ${req.path}`));
};
