import { z } from 'zod';
import { SECRET_REF_META, type EngineRecord, type RecordError } from '@sluice/shared';
import { defineNode, type SinkOutcome } from '../define.js';
import { sha256Hex } from '../hash.js';
import { RetryPolicySchema } from '../retry.js';
import { EgressRefusedError } from '../egress.js';

// A transient failure's error has kind 'exhausted': it reaches a dead letter only once the retry
// policy's attempts have run out, and then it is the last error the analyst sees.

/** Requests in flight at once per delivery: enough to hide latency, few enough not to flood the target. */
export const HTTP_CONCURRENCY = 8;
/** How much of an error response is kept for the dead letter. */
const BODY_PREVIEW_BYTES = 2048;
/** A Retry-After further away than this is taken as this: a day is already "come back much later". */
const MAX_RETRY_AFTER_MS = 86_400_000;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the sink sets itself: letting a config override them would break deduplication or framing. */
const RESERVED_HEADERS = new Set(['idempotency-key', 'x-correlation-id', 'content-length', 'host', 'transfer-encoding', 'connection']);

const HttpConfigSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .meta(SECRET_REF_META)
      .describe('Where records are sent: an http:// or https:// URL (or a vault secret holding it, when it carries a key). Redirects are not followed, so give the final address.'),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST').describe('HTTP method. Default POST.'),
    headers: z
      .record(z.string(), z.string().max(8000).meta(SECRET_REF_META))
      .default({})
      .describe('Extra request headers, e.g. an Authorization token (best kept as a vault secret). Their values are never logged nor shown in errors. Idempotency-Key and X-Correlation-Id are set by the sink. Default none.'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe('Records per request. 1 (the default) sends the record data itself as the body; more sends a JSON array of {id, correlationId, data}.'),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000).describe('How long to wait for a response before the attempt counts as a transient failure, in ms. Default 10000.'),
    retry: RetryPolicySchema.prefault({}).describe('When and how often a transient failure (5xx, 429, timeout, connection error) is tried again. Default 5 attempts, exponential from 1 s.'),
  })
  .superRefine((config, ctx) => {
    const url = URL.parse(config.url);
    // fetch refuses such URLs, and they would put a password where errors and logs show the URL.
    if (url && (url.username || url.password)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'credentials in the URL are not allowed: send them in an Authorization header' });
    }
    for (const [name, value] of Object.entries(config.headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `"${name}" is not a valid header name` });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `${name} is set by the sink and cannot be configured` });
      // The message names the header but never repeats its value: it may be a secret.
      if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
        ctx.addIssue({ code: 'custom', path: ['headers', name], message: `the value of ${name} has a line break, a control character or a character beyond Latin-1` });
      }
    }
  });
type HttpConfig = z.output<typeof HttpConfigSchema>;

export const httpSink = defineNode({
  type: 'sink.http',
  kind: 'sink',
  title: 'HTTP',
  summary: 'Sends records to an HTTP endpoint, one per request or in batches, with an Idempotency-Key so a redelivery can be recognised.',
  category: 'Sinks',
  inputs: [{ name: 'in' }],
  outputs: [],
  config: HttpConfigSchema,
  examples: [
    { title: 'POST each record', config: { url: 'https://api.example.com/orders' } },
    {
      title: 'Batches of 100 with a token',
      config: {
        url: 'https://api.example.com/orders/bulk',
        method: 'PUT',
        headers: { Authorization: 'Bearer <token>' },
        batchSize: 100,
        timeoutMs: 30_000,
        retry: { strategy: 'exponential', maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 300_000 },
      },
    },
  ],
  create(config, ctx) {
    const endpoint: Endpoint = { config, target: describeTarget(config), scrub: secretScrubber(config), fetch: ctx.fetch };
    return {
      kind: 'sink',
      batchSize: config.batchSize,
      roundSize: config.batchSize * HTTP_CONCURRENCY,
      retry: config.retry,
      async deliver(records, run) {
        const batches: EngineRecord[][] = [];
        for (let i = 0; i < records.length; i += config.batchSize) batches.push(records.slice(i, i + config.batchSize));
        const outcomes: SinkOutcome[][] = new Array(batches.length);
        let next = 0;
        // A small pool of senders, each taking the next batch until none are left.
        const sender = async () => {
          while (next < batches.length) {
            const index = next++;
            outcomes[index] = await sendBatch(batches[index]!, endpoint, run.signal);
          }
        };
        await Promise.all(Array.from({ length: Math.min(HTTP_CONCURRENCY, batches.length) }, sender));
        return outcomes.flat();
      },
    };
  },
});

/** The compiled config: what every request of this runtime shares. */
interface Endpoint {
  config: HttpConfig;
  /** "POST https://api.example.com/orders", for messages. */
  target: string;
  /** Removes the URL and header values from a message that came from elsewhere (fetch, a bug). */
  scrub(message: string): string;
  fetch: typeof fetch;
}

/** The URL without its query string, which may carry an API key. */
function describeTarget(config: HttpConfig): string {
  const url = new URL(config.url);
  return `${config.method} ${url.origin}${url.pathname}`;
}

function secretScrubber(config: HttpConfig): (message: string) => string {
  const secrets = [config.url, ...Object.values(config.headers).filter((v) => v.trim().length >= 3)];
  return (message) => secrets.reduce((text, secret) => text.replaceAll(secret, '<hidden>'), message);
}

/** One request for `batch`; the same outcome for every record in it. Never throws. */
async function sendBatch(batch: EngineRecord[], endpoint: Endpoint, stop?: AbortSignal): Promise<SinkOutcome[]> {
  const outcome = await send(batch, endpoint, stop).catch(
    (err: unknown): SinkOutcome => ({
      status: 'transient',
      error: { kind: 'exhausted', message: `${endpoint.target} failed: ${endpoint.scrub((err as Error).message)}` },
    }),
  );
  return batch.map(() => outcome);
}

async function send(batch: EngineRecord[], { config, target, scrub, fetch: fetchFn }: Endpoint, stop?: AbortSignal): Promise<SinkOutcome> {
  const first = batch[0]!;
  const single = config.batchSize === 1;
  const payload = single ? JSON.stringify(first.data ?? null) : JSON.stringify(batch.map((r) => ({ id: r.id, correlationId: r.correlationId, data: r.data })));
  // A batch's key is derived from all its ids, so the same batch resent carries the same key. Batches
  // are cut in order from the chunk, so a replayed chunk produces the same batches.
  const idempotencyKey = single ? first.id : await sha256Hex(batch.map((r) => r.id).join(','));
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(config.headers)) headers.set(name, value);
  headers.set('idempotency-key', idempotencyKey);
  headers.set('x-correlation-id', first.correlationId);

  const timeout = AbortSignal.timeout(config.timeoutMs);
  let response: Response;
  try {
    response = await fetchFn(config.url, {
      method: config.method,
      headers,
      body: payload,
      // A 301/302 would turn the POST into a GET and look delivered; better to fail loudly.
      redirect: 'manual',
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    });
  } catch (err) {
    // The server's egress guard refused the address: no retry can change that.
    if (err instanceof EgressRefusedError) return { status: 'permanent', error: { kind: 'permanent', message: `${target} was not sent: ${scrub(err.message)}` } };
    // fetch's own messages may quote the URL, query string and all.
    const cause = timeout.aborted ? 'timeout' : (err as Error).name === 'AbortError' ? undefined : 'connection';
    return { status: 'transient', error: { kind: 'exhausted', message: `${target} ${scrub(describeFetchError(err, config.timeoutMs, timeout))}`, ...(cause ? { cause } : {}) } };
  }

  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { status: 'delivered' };
  }
  // Some servers echo the request, Authorization header included, in their error pages.
  const body = scrub(await readPrefix(response, BODY_PREVIEW_BYTES));
  const message = `HTTP ${status} from ${target}`;
  if (status === 429 || status === 503) {
    const error: RecordError = { kind: 'exhausted', status, body, message };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return retryAfterMs === undefined ? { status: 'transient', error } : { status: 'transient', error, retryAfterMs };
  }
  // 408 Request Timeout is a 4xx that asks to be tried again.
  if (status >= 500 || status === 408) return { status: 'transient', error: { kind: 'exhausted', status, body, message } };
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed: point the sink at the final URL)' : '';
  return { status: 'permanent', error: { kind: 'permanent', status, body, message: message + redirect } };
}

function describeFetchError(err: unknown, timeoutMs: number, timeout: AbortSignal): string {
  if (timeout.aborted) return `timed out after ${timeoutMs} ms`;
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'AbortError') return 'was cancelled (the worker is stopping)';
  const cause = e.cause?.code ?? e.cause?.message;
  return `failed to connect: ${e.message}${cause ? ` (${cause})` : ''}`;
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** The first `limit` bytes of the body as text; the rest is cancelled unread so a huge error page costs nothing. */
async function readPrefix(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off mid-way still tells what it told so far.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  // stream: true drops a multi-byte character cut at the limit instead of showing a replacement mark.
  return new TextDecoder().decode(bytes, { stream: true });
}
