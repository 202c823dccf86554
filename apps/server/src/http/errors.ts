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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : fromBodyParser(err);
    if (appError) {
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
