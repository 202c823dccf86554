import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs. Secrets and record data never go into a log line; ids and counts do. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['*.password', '*.token', '*.secret', '*.authorization', '*.connectionString'], censor: '[redacted]' },
  });
}
