// Live numbers: one socket.io connection for the app, one subscription per watched flow, and the
// latest stats per flow kept in a tiny external store that components read with useSyncExternalStore.
import { io, type Socket } from 'socket.io-client';
import {
  DeadLetterEventSchema,
  FlowStatsSchema,
  type ClientToServerEvents,
  type DeadLetterEvent,
  type FlowStats,
  type ServerToClientEvents,
} from '@sluice/shared';

type Listener = () => void;

/** What the store needs of a socket.io client (tests pass a stand-in). */
export interface LiveSocket {
  readonly connected: boolean;
  on(event: 'connect' | 'disconnect', listener: () => void): unknown;
  on(event: 'stats' | 'deadLetter', listener: (raw: unknown) => void): unknown;
  emit(event: 'subscribe' | 'unsubscribe', body: { flowId: string }): unknown;
}

function connectSocketIo(): LiveSocket {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ transports: ['websocket', 'polling'] });
  return {
    get connected() {
      return socket.connected;
    },
    on: (event: 'connect' | 'disconnect' | 'stats' | 'deadLetter', listener: (raw?: unknown) => void) => socket.on(event, listener),
    emit: (event, body) => socket.emit(event, body),
  };
}

export interface LiveFlow {
  stats: FlowStats | null;
  /** Per node, records/s computed from the two latest stats events. */
  rates: Record<string, number>;
  /** Dead letters announced since the page opened. */
  deadLetterEvents: number;
  lastDeadLetter: DeadLetterEvent | null;
}

const EMPTY: LiveFlow = { stats: null, rates: {}, deadLetterEvents: 0, lastDeadLetter: null };

export class StatsStore {
  private socket: LiveSocket | null = null;
  private readonly flows = new Map<string, LiveFlow>();
  private readonly watchers = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private connected = false;

  constructor(private readonly connect: () => LiveSocket = connectSocketIo) {}

  /** Starts receiving a flow's numbers; returns the function that stops. */
  watch(flowId: string): () => void {
    this.watchers.set(flowId, (this.watchers.get(flowId) ?? 0) + 1);
    const socket = this.ensureSocket();
    if (this.watchers.get(flowId) === 1 && socket.connected) socket.emit('subscribe', { flowId });
    return () => {
      const left = (this.watchers.get(flowId) ?? 1) - 1;
      if (left > 0) {
        this.watchers.set(flowId, left);
        return;
      }
      this.watchers.delete(flowId);
      this.socket?.emit('unsubscribe', { flowId });
    };
  }

  get(flowId: string): LiveFlow {
    return this.flows.get(flowId) ?? EMPTY;
  }

  isConnected(): boolean {
    return this.connected;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Applies a stats message (exported for tests). */
  receiveStats(raw: unknown): void {
    const parsed = FlowStatsSchema.safeParse(raw);
    if (!parsed.success) return;
    const stats = parsed.data;
    const previous = this.flows.get(stats.flowId) ?? EMPTY;
    const rates: Record<string, number> = { ...previous.rates };
    if (previous.stats) {
      const seconds = (Date.parse(stats.at) - Date.parse(previous.stats.at)) / 1000;
      if (seconds > 0) {
        for (const node of stats.nodes) {
          const before = previous.stats.nodes.find((n) => n.nodeId === node.nodeId);
          rates[node.nodeId] = Math.max(0, (node.in - (before?.in ?? 0)) / seconds);
        }
      }
    }
    this.flows.set(stats.flowId, { ...previous, stats, rates });
    this.emit();
  }

  receiveDeadLetter(raw: unknown): void {
    const parsed = DeadLetterEventSchema.safeParse(raw);
    if (!parsed.success) return;
    const previous = this.flows.get(parsed.data.flowId) ?? EMPTY;
    this.flows.set(parsed.data.flowId, { ...previous, deadLetterEvents: previous.deadLetterEvents + parsed.data.count, lastDeadLetter: parsed.data });
    this.emit();
  }

  private ensureSocket() {
    if (this.socket) return this.socket;
    const socket = this.connect();
    socket.on('connect', () => {
      this.connected = true;
      // (Re)subscribe everything watched: a reconnect starts with no rooms.
      for (const flowId of this.watchers.keys()) socket.emit('subscribe', { flowId });
      this.emit();
    });
    socket.on('disconnect', () => {
      this.connected = false;
      this.emit();
    });
    socket.on('stats', (s) => this.receiveStats(s));
    socket.on('deadLetter', (e) => this.receiveDeadLetter(e));
    this.socket = socket;
    return socket;
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export const statsStore = new StatsStore();
