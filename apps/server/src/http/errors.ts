import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '@sluice/shared';
import type { Logger } from '../logger.js';
import { isDatabaseRefusal, isDatabaseUnavailable } from '../storage/db-errors.js';

/** Errors raised by express's body parsers, by their `type`. */
function fromBodyParser(err: { type?: string; status?: number; message?: string; limit?: number } | null | undefined): AppError | null {
  if (typeof err !== 'object' || err === null) return null;
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

/** An error's answer: status, headers and `{ error: { code, message, details } }`. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: ReturnType<AppError['toBody']>;
}

/**
 * What any error thrown while answering a request becomes: an AppError as it says, the database's
 * unavailability as 503, its refusal of the data as 400, a body parser's error as its 4xx, and
 * anything else as a logged 500 that says nothing of the cause.
 */
export function errorAnswer(err: unknown, logger: Logger, request: { method: string; path: string }): ErrorAnswer {
  const appError =
    err instanceof AppError
      ? err
      : isDatabaseUnavailable(err)
        ? new AppError('unavailable', 'the database is unreachable right now; nothing was accepted; try again shortly', { headers: { 'Retry-After': '5' } })
        : isDatabaseRefusal(err)
          ? new AppError('invalid_input', `the database refused this data: ${databaseMessage(err)}`)
          : fromBodyParser(err as Parameters<typeof fromBodyParser>[0]);
  if (appError) {
    if (appError.code === 'unavailable') logger.warn({ err, ...request }, 'database unavailable');
    return { status: appError.status, headers: appError.headers, body: appError.toBody() };
  }
  logger.error({ err, ...request }, 'unhandled error');
  return { status: 500, headers: {}, body: new AppError('internal', 'something went wrong on our side; it has been logged').toBody() };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const answer = errorAnswer(err, logger, { method: req.method, path: req.path });
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.status(answer.status).json(answer.body);
  };
}

function databaseMessage(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof (e as { code?: unknown }).code === 'string') return String((e as { message?: unknown }).message ?? 'refused');
  }
  return 'refused';
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route ${req.method} ${req.path}`));
};
