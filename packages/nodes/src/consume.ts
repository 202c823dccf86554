// What the broker nodes share: payload decoding, batching of pushed messages into accept calls, and
// keeping credentials out of error messages.
import { z } from 'zod';
import type { EngineRecord } from '@sluice/shared';
import type { SharedConnection, SinkOutcome, SourceMessage } from './define.js';
import { EgressRefusedError } from './egress.js';

export const PayloadFormatSchema = z
  .enum(['json', 'text'])
  .default('json')
  .describe('How a message body becomes record data. json (the default): a JSON object is the record; any other JSON value becomes {"value": …}; a body that is not JSON is refused. text: {"text": "<the body as UTF-8>"}.');
export type PayloadFormat = z.output<typeof PayloadFormatSchema>;

/** Record data from a message body; throws (with a short reason) for a body the format cannot read. */
export function decodePayload(body: Uint8Array, format: PayloadFormat): Record<string, unknown> {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (format === 'text') return { text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the message body is not JSON (${(err as Error).message})`);
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

/** How much of a body that cannot become a record its dead letter keeps, in characters. */
export const MAX_RAW_CHARS = 65_536;

/**
 * A message body as a broker source hands it to `accept`: its record data, or, for a body the format
 * cannot read, the reason and the body's text (cut to MAX_RAW_CHARS) to dead-letter.
 */
export function messageOf(body: Uint8Array, format: PayloadFormat, key: string | undefined): SourceMessage {
  const keyed = key === undefined || key === '' ? {} : { key };
  try {
    return { ...keyed, data: decodePayload(body, format) };
  } catch (err) {
    const raw = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, MAX_RAW_CHARS * 4)).toString('utf8').slice(0, MAX_RAW_CHARS);
    return { ...keyed, invalid: { raw, reason: (err as Error).message } };
  }
}

/** Record data as a message body: the data as JSON. */
export function encodePayload(data: unknown): Buffer {
  return Buffer.from(JSON.stringify(data ?? null));
}

/**
 * Messages a client library pushes one by one, handed to `handle` in batches, one batch at a time:
 * while a batch commits, the next gathers (up to `maxBatch`). `failed` rejects with the first error
 * `handle` throws; nothing is handled after it.
 */
export class MessageBatcher<M> {
  private pending: M[] = [];
  private draining: Promise<void> | null = null;
  private error: unknown = null;
  private rejectFailed: (err: unknown) => void = () => undefined;
  readonly failed: Promise<never>;

  constructor(
    private readonly maxBatch: number,
    private readonly handle: (batch: M[]) => Promise<void>,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Observed by whoever races it; never an unhandled rejection on its own.
    this.failed.catch(() => undefined);
  }

  push(message: M): void {
    if (this.error !== null) return;
    this.pending.push(message);
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
  }

  /** Takes no more batches and waits for the one being handled, so its messages are settled before the connection closes. */
  async stop(): Promise<void> {
    this.error ??= new Error('stopped');
    this.pending = [];
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && this.error === null) {
        const batch = this.pending.splice(0, this.maxBatch);
        await this.handle(batch);
      }
    } catch (err) {
      this.error = err;
      this.pending = [];
      this.rejectFailed(err);
    }
  }
}

/**
 * What a sink reports when its client could not be opened: the egress guard's refusal is permanent
 * (no retry can change it, the records become dead letters with the reason), anything else transient.
 */
export function connectFailure(err: unknown, target: string, scrub: (message: string) => string): SinkOutcome {
  const message = `cannot connect to ${target}: ${scrub((err as Error).message ?? String(err))}`;
  if (err instanceof EgressRefusedError) return { status: 'permanent', error: { kind: 'permanent', message } };
  return { status: 'transient', error: { kind: 'exhausted', message } };
}

/**
 * A broker sink's `deliver`: nothing to do for no records; when the shared client cannot be opened,
 * every record gets `connectFailure`; otherwise `send` delivers them through it.
 */
export function deliverThrough<C>(
  shared: SharedConnection<C>,
  target: string,
  scrub: (message: string) => string,
  send: (client: C, records: EngineRecord[]) => Promise<SinkOutcome[]>,
): (records: EngineRecord[]) => Promise<SinkOutcome[]> {
  return async (records) => {
    if (records.length === 0) return [];
    let client: C;
    try {
      client = await shared.get();
    } catch (err) {
      return records.map(() => connectFailure(err, target, scrub));
    }
    return send(client, records);
  };
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** Replaces the credentials of `url` (and the URL itself) in a message from a client library. */
export function scrubber(...urls: string[]): (message: string) => string {
  const secrets = new Set<string>();
  for (const raw of urls) {
    secrets.add(raw);
    const url = URL.parse(raw);
    if (url?.password) secrets.add(decodeURIComponent(url.password)).add(url.password);
  }
  const list = [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  return (message) => list.reduce((text, secret) => text.replaceAll(secret, '<hidden>'), message);
}

/** The URL without its credentials, to name the broker in messages. */
export function describeUrl(raw: string): string {
  const url = URL.parse(raw);
  if (!url) return '<broker>';
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
