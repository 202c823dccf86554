// Live numbers: workers flush stats and NOTIFY; every server process LISTENs and relays fresh
// figures to the sockets subscribed to that flow, so any number of servers and workers can share
// one database. Sockets authenticate like the REST API; refusals are audited (coalesced), and a
// socket whose session, token or user is revoked anywhere is checked again and dropped at once.
import type http from 'node:http';
import type https from 'node:https';
import type pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { DeadLetterEventSchema, SubscribeSchema, type ClientToServerEvents, type DeadLetterEvent, type ServerToClientEvents } from '@sluice/shared';
import { z } from 'zod';
import type { Db } from '../storage/db.js';
import { getFlow } from '../storage/flows.js';
import { loadFlowStats } from '../storage/stats.js';
import type { Logger } from '../logger.js';
import { can, type Authenticator, type Principal } from '../auth/authenticate.js';
import type { Revocation, RevocationListener } from '../auth/revocations.js';
import type { AuditLog, AuditWho } from '../audit/audit-log.js';
import { maskersFor, mayReadPii } from '../pii/masking.js';

/** Fewest ms between two stats pushes for one flow. */
const MIN_PUSH_INTERVAL_MS = 250;
const room = (flowId: string) => `flow:${flowId}`;

export class Relay {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private listener: pg.PoolClient | null = null;
  private closed = false;
  private readonly lastPush = new Map<string, number>();
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(
    server: http.Server | https.Server,
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly auth: Authenticator,
    private readonly logger: Logger,
    private readonly audit: AuditLog,
    revocations: RevocationListener,
  ) {
    this.io = new Server(server, { serveClient: false, cors: { origin: false } });
    // The same credentials as the REST API: the session cookie, or an API token in `auth.token`.
    this.io.use((socket, next) => {
      this.auth
        .fromHeaders(credentialsOf(socket))
        .then((principal) => {
          if (!principal) {
            // Like an HTTP 401: audited, one entry per address and window however often a client retries.
            const who = socketWho(socket, null);
            this.audit.recordBounded(`socket-denied:${who.sourceIp}`, who, {
              action: 'auth.denied',
              outcome: 'failure',
              resource: { type: 'socket', id: 'connect' },
              details: { status: 401, transport: 'websocket', credentials: socketCredentialKind(socket) },
            });
            return next(new Error('unauthorized: sign in or pass an API token as auth.token'));
          }
          socket.data.principal = principal;
          next();
        })
        .catch((err: unknown) => next(err instanceof Error ? err : new Error(String(err))));
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    revocations.onRevocation((revocation) => void this.onRevocation(revocation));
  }

  async start(): Promise<void> {
    await this.listen();
  }

  private onConnection(socket: Socket<ClientToServerEvents, ServerToClientEvents>): void {
    socket.on('subscribe', async (raw, ack) => {
      const parsed = SubscribeSchema.safeParse(raw);
      if (!parsed.success) {
        ack?.({ ok: false, error: 'send { flowId } with a flow id' });
        return;
      }
      const { flowId } = parsed.data;
      const principal = socket.data.principal as Principal | undefined;
      if (!can(principal ?? null, 'flows:read')) {
        // Like an HTTP 403: audited, coalesced per user.
        const who = socketWho(socket, principal ?? null);
        this.audit.recordBounded(`socket-denied:${who.userId ?? who.sourceIp}:subscribe`, who, {
          action: 'auth.denied',
          outcome: 'denied',
          resource: { type: 'flow', id: flowId },
          details: { status: 403, transport: 'websocket', event: 'subscribe', needs: 'flows:read' },
        });
        ack?.({ ok: false, error: 'your role may not watch flows (it needs flows:read)' });
        return;
      }
      try {
        const flow = await getFlow(this.db, flowId);
        await socket.join(room(flowId));
        ack?.({ ok: true });
        socket.emit('stats', await loadFlowStats(this.pool, flowId, flow.graph));
      } catch (err) {
        ack?.({ ok: false, error: (err as Error).message });
      }
    });
    socket.on('unsubscribe', async (raw) => {
      const parsed = SubscribeSchema.safeParse(raw);
      if (parsed.success) await socket.leave(room(parsed.data.flowId));
    });
  }

  /**
   * A revocation somewhere: the sockets it may concern authenticate again with the credentials they
   * came with (the caches have forgotten them by now), and are dropped if those no longer pass or
   * now carry another role. A logged-out session's sockets are dropped without asking.
   */
  private async onRevocation(revocation: Revocation): Promise<void> {
    if (revocation.kind === 'source') return;
    for (const socket of this.io.of('/').sockets.values()) {
      const principal = socket.data.principal as Principal | undefined;
      if (!principal) continue;
      if (revocation.kind === 'session') {
        if (principal.sessionIdHash === revocation.sessionHash) this.drop(socket, 'session ended');
        continue;
      }
      if (revocation.kind !== 'all' && principal.user.id !== revocation.userId) continue;
      if (revocation.kind === 'token' && principal.via !== 'token') continue;
      try {
        const fresh = await this.auth.fromHeaders(credentialsOf(socket));
        if (!fresh || fresh.role !== principal.role) this.drop(socket, 'credentials revoked or changed');
        else socket.data.principal = fresh;
      } catch (err) {
        this.logger.warn({ err }, 'could not check a socket again after a revocation; dropping it');
        this.drop(socket, 'could not check the credentials again');
      }
    }
  }

  private drop(socket: Socket, reason: string): void {
    this.logger.info({ reason, socketId: socket.id }, 'dropping a socket');
    socket.disconnect(true);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.pool.connect();
      this.listener = client;
      client.on('notification', (msg) => this.onNotification(msg.channel, msg.payload));
      client.on('error', (err) => {
        if (this.listener !== client) return; // already released (closing)
        this.logger.warn({ err }, 'lost the LISTEN connection; reconnecting');
        this.listener = null;
        client.release(err);
        if (!this.closed) setTimeout(() => void this.listen(), 1000).unref();
      });
      await client.query('LISTEN sluice_stats');
      await client.query('LISTEN sluice_dead_letters');
    } catch (err) {
      this.logger.warn({ err }, 'could not LISTEN; retrying');
      setTimeout(() => void this.listen(), 1000).unref();
    }
  }

  private onNotification(channel: string, payload: string | undefined): void {
    try {
      if (channel === 'sluice_stats') {
        for (const flowId of z.array(z.string().uuid()).parse(JSON.parse(payload ?? '[]'))) this.schedulePush(flowId);
      } else if (channel === 'sluice_dead_letters') {
        const event = DeadLetterEventSchema.parse(JSON.parse(payload ?? '{}'));
        void this.relayDeadLetters(event);
        this.schedulePush(event.flowId);
      }
    } catch (err) {
      this.logger.warn({ err, channel }, 'ignored a malformed notification');
    }
  }

  /**
   * New dead letters to the flow's watchers. Their error texts can quote record values, and the
   * event carries no record to mask them against; so on a flow that declares PII fields, watchers
   * without pii:read get the reason's kind and a pointer to the dead letter (whose view masks).
   */
  private async relayDeadLetters(event: DeadLetterEvent): Promise<void> {
    const sockets = await this.io.in(room(event.flowId)).fetchSockets();
    const mayNotRead = (socket: (typeof sockets)[number]) => {
      const principal = socket.data.principal as Principal | undefined;
      return !principal || !mayReadPii(principal);
    };
    // The flow's PII settings are read only when a watcher could be shown too much.
    const holdsPii = sockets.some(mayNotRead) && (await maskersFor(this.pool, [event.flowId])).size > 0;
    const masked: DeadLetterEvent = {
      ...event,
      sample: event.sample.map((d) => ({ ...d, error: { kind: d.error.kind, message: 'the reason may quote personal data: open the dead letter to read it masked' } })),
    };
    for (const socket of sockets) socket.emit('deadLetter', holdsPii && mayNotRead(socket) ? masked : event);
  }

  /** Pushes stats now, or once the flow's minimum interval has passed, never more often. */
  private schedulePush(flowId: string): void {
    if ((this.io.sockets.adapter.rooms.get(room(flowId))?.size ?? 0) === 0) return;
    if (this.trailing.has(flowId)) return;
    const wait = Math.max(0, (this.lastPush.get(flowId) ?? 0) + MIN_PUSH_INTERVAL_MS - Date.now());
    const timer = setTimeout(() => {
      this.trailing.delete(flowId);
      this.lastPush.set(flowId, Date.now());
      void this.push(flowId);
    }, wait);
    timer.unref();
    this.trailing.set(flowId, timer);
  }

  private async push(flowId: string): Promise<void> {
    try {
      const flow = await getFlow(this.db, flowId);
      this.io.to(room(flowId)).emit('stats', await loadFlowStats(this.pool, flowId, flow.graph));
    } catch (err) {
      this.logger.warn({ err, flowId }, 'could not push stats');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.trailing.values()) clearTimeout(t);
    this.trailing.clear();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    const listener = this.listener;
    this.listener = null;
    if (listener) {
      listener.removeAllListeners('notification');
      // Keep a no-op error handler: the server may still end this connection after we let go.
      listener.on('error', () => {});
      listener.release(true);
    }
  }
}

/** The credentials a socket came with: an API token in `auth.token`, else its handshake's headers (the cookie). */
function credentialsOf(socket: Socket): http.IncomingHttpHeaders {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? { authorization: `Bearer ${token}` } : socket.request.headers;
}

/** What a refused socket tried, for the audit entry: the kind of credential, never its value. */
function socketCredentialKind(socket: Socket): 'token' | 'cookie' | 'none' {
  if (typeof (socket.handshake.auth as { token?: unknown } | undefined)?.token === 'string') return 'token';
  return socket.request.headers.cookie ? 'cookie' : 'none';
}

function socketWho(socket: Socket, principal: Principal | null): AuditWho {
  return {
    userId: principal?.user.id ?? null,
    actor: principal ? (principal.tokenName ? `${principal.user.email} (token "${principal.tokenName}")` : principal.user.email) : null,
    sourceIp: socket.handshake.address || null,
    correlationId: null,
  };
}
