import type { z } from 'zod';
import { AppError, issuesFromZod } from '@sluice/shared';

/** Parses a request part with its zod schema; a failure is a 400 naming every field at fault. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = issuesFromZod(result.error);
  const first = errors[0]!;
  throw new AppError('invalid_input', `${where}${first.path ? `.${first.path}` : ''}: ${first.message}`, { details: { errors } });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A flow id from the URL; anything that is not a UUID cannot name a flow. */
export function flowIdParam(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new AppError('not_found', `no flow with id ${String(value)}`);
  return value.toLowerCase();
}
