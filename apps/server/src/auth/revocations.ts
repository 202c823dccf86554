// Revocations reach every server process at once: triggers announce them on the Postgres channel
// `sluice_auth` (migration auth_cluster), and each process LISTENs here and tells its caches
// (API tokens, source API keys) and the websocket relay (open sockets) to forget what changed.
import type pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../logger.js';

export const REVOCATION_CHANNEL = 'sluice_auth';

export const RevocationSchema = z.discriminatedUnion('kind', [
  /** An API token was revoked or deleted. */
  z.object({ kind: z.literal('token'), tokenHash: z.string(), userId: z.string() }),
  /** A session was logged out, revoked or deleted. */
  z.object({ kind: z.literal('session'), sessionHash: z.string(), userId: z.string() }),
  /** A user's role, password, disabled flag or flow grants changed, or the user was deleted. */
  z.object({ kind: z.literal('user'), userId: z.string() }),
  /** A source's API keys changed (created, revoked, deleted). */
  z.object({ kind: z.literal('source'), flowId: z.string(), nodeId: z.string() }),
  /** The listener (re)connected: announcements may have been missed, so forget everything. */
  z.object({ kind: z.literal('all') }),
]);
export type Revocation = z.infer<typeof RevocationSchema>;

/** How long a cached credential is trusted while announcements arrive (they evict at once), ms. */
export const LIVE_CACHE_MS = 60_000;
/** How long while the LISTEN connection is down (nothing evicts then), ms. */
export const FALLBACK_CACHE_MS = 1_000;

/**
 * One LISTEN connection per process. Caches ask `cacheMs()` for how long to trust what they hold:
 * a minute while announcements arrive, a second while the connection is down — a revocation then
 * waits at most that second — and on reconnecting everything is forgotten, since announcements
 * made meanwhile are lost.
 */
export class RevocationListener {
  private client: pg.PoolClient | null = null;
  private listening = false;
  private closed = false;
  private readonly handlers: ((revocation: Revocation) => void)[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    /** Wait before reconnecting, ms. Default 1000. */
    private readonly retryMs = 1000,
  ) {}

  /** Handlers run in the order they were added (caches first, then whoever re-checks with them). */
  onRevocation(handler: (revocation: Revocation) => void): void {
    this.handlers.push(handler);
  }

  /** True while announcements arrive. */
  get live(): boolean {
    return this.listening;
  }

  cacheMs(): number {
    return this.listening ? LIVE_CACHE_MS : FALLBACK_CACHE_MS;
  }

  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    let client: pg.PoolClient | null = null;
    try {
      client = await this.pool.connect();
      if (this.closed) {
        client.release();
        return;
      }
      const mine = client;
      this.client = mine;
      mine.on('notification', (msg) => {
        if (msg.channel === REVOCATION_CHANNEL) this.onPayload(msg.payload);
      });
      mine.on('error', (err) => {
        if (this.client !== mine) return; // already let go (closing, or a failed start)
        this.lost(err);
        mine.release(err);
      });
      await mine.query(`LISTEN ${REVOCATION_CHANNEL}`);
      this.listening = true;
      // Whatever was cached before may have been revoked while nobody listened.
      this.emit({ kind: 'all' });
    } catch (err) {
      // The error handler may have run already (it clears this.client): reconnect once, not twice.
      if (client && this.client !== client) return;
      if (client) client.release(true);
      this.lost(err);
    }
  }

  private lost(err: unknown): void {
    this.listening = false;
    this.client = null;
    if (this.closed) return;
    // Until the connection is back, caches trust what they hold for FALLBACK_CACHE_MS only.
    this.logger.warn({ err }, 'lost the revocation LISTEN connection: caching credentials for 1 s until it is back');
    setTimeout(() => void this.listen(), this.retryMs).unref();
  }

  private onPayload(payload: string | undefined): void {
    try {
      this.emit(RevocationSchema.parse(JSON.parse(payload ?? '')));
    } catch (err) {
      // Forgetting everything is always safe.
      this.logger.warn({ err }, 'a malformed revocation announcement: forgetting all cached credentials');
      this.emit({ kind: 'all' });
    }
  }

  private emit(revocation: Revocation): void {
    for (const handler of this.handlers) {
      try {
        handler(revocation);
      } catch (err) {
        this.logger.error({ err, kind: revocation.kind }, 'a revocation handler failed');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('notification');
      // Keep a no-op error handler: the server may still end this connection after we let go.
      client.on('error', () => {});
      client.release(true);
    }
  }
}
