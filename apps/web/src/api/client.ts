// The one way the web app talks to the REST API: JSON in and out, and every error answer turned into
// an ApiError carrying the server's code, message and details (field paths, node ids).
import { CSRF_HEADER, ErrorBodySchema } from '@sluice/shared';

/** The CSRF token of the signed-in session, sent with every change (set by the session hook). */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (401), so the app can show the sign-in page. */
let onSignedOut: (() => void) | null = null;
export function setSignedOutHandler(handler: (() => void) | null): void {
  onSignedOut = handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function apiRequest<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  let res: Response;
  const { headers: extra, ...rest } = init;
  const headers = new Headers(extra);
  // A Blob (an uploaded file) goes as it is, with the content type the caller set.
  if (body !== undefined && !(body instanceof Blob)) headers.set('content-type', 'application/json');
  if (csrfToken && method !== 'GET') headers.set(CSRF_HEADER, csrfToken);
  try {
    res = await fetch(path, {
      ...rest,
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'unavailable', 'cannot reach the Sluice server', { cause: String(err) });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json: unknown = text ? safeJson(text) : undefined;
  if (res.status === 401 && path !== '/api/auth/login' && path !== '/api/auth/me') onSignedOut?.();
  if (!res.ok) {
    const parsed = ErrorBodySchema.safeParse(json);
    if (parsed.success) throw new ApiError(res.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.details);
    throw new ApiError(res.status, 'internal', `the server answered ${res.status}`);
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const api = {
  get: <T>(path: string) => apiRequest<T>('GET', path),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => apiRequest<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => apiRequest<T>('PATCH', path, body),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
};
