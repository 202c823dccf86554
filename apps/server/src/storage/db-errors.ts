// Telling database errors apart: the database being unreachable (the API answers 503) versus the
// database refusing the data it was given (400), versus everything else (a bug: 500).

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

/** The SQLSTATE of an error or of one of its causes. */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when Postgres refused the data itself: a data exception (class 22, e.g. a string jsonb cannot
 * hold) or a value too deep or complex to process (54xxx). Sending the same data again will not help.
 */
export function isDatabaseRefusal(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('54'));
}
