import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { FlowStats } from '@sluice/shared';
import { StatsStore, type LiveSocket } from './stats-store';

const FLOW = '7d2b3b1e-2a8e-4c1f-9d7e-3f5a1b2c4d6e';

function stats(at: string, nodeIn: number, extra: Partial<FlowStats['totals']> = {}): FlowStats {
  return {
    flowId: FLOW,
    at,
    nodes: [{ nodeId: 'in', in: nodeIn, out: { out: nodeIn }, errors: 0, deadLettered: 0, queued: 0, latencyMs: { p50: null, p95: null, p99: null } }],
    totals: { ingested: nodeIn, delivered: 0, deadLettered: 0, pendingDeadLetters: 0, queued: 0, errors: 0, recordsPerSecond: 0, ...extra },
  };
}

/** A stand-in for the socket.io client: records what is emitted, lets the test play server events. */
class FakeSocket extends EventEmitter implements LiveSocket {
  connected = false;
  readonly sent: [string, unknown][] = [];
  override emit(event: string, ...args: unknown[]): boolean {
    if (['connect', 'disconnect', 'stats', 'deadLetter'].includes(event)) return super.emit(event, ...args);
    this.sent.push([event, args[0]]);
    return true;
  }
  serverConnect() {
    this.connected = true;
    super.emit('connect');
  }
}

function storeWithFakeSocket() {
  const socket = new FakeSocket();
  const store = new StatsStore(() => socket);
  return { socket, store };
}

describe('StatsStore', () => {
  it('subscribes on connect, once per flow however many watchers, and unsubscribes after the last', () => {
    const { socket, store } = storeWithFakeSocket();
    const stopA = store.watch(FLOW);
    const stopB = store.watch(FLOW);
    expect(socket.sent).toEqual([]); // not connected yet
    socket.serverConnect();
    expect(socket.sent).toEqual([['subscribe', { flowId: FLOW }]]);
    stopA();
    expect(socket.sent).toHaveLength(1);
    stopB();
    expect(socket.sent[1]).toEqual(['unsubscribe', { flowId: FLOW }]);
  });

  it('re-subscribes every watched flow after a reconnect', () => {
    const { socket, store } = storeWithFakeSocket();
    store.watch(FLOW);
    socket.serverConnect();
    socket.emit('disconnect');
    expect(store.isConnected()).toBe(false);
    socket.serverConnect();
    expect(socket.sent.filter(([e]) => e === 'subscribe')).toHaveLength(2);
  });

  it('keeps the latest stats and computes per-node records/s from consecutive events', () => {
    const { socket, store } = storeWithFakeSocket();
    store.watch(FLOW);
    socket.serverConnect();
    let notified = 0;
    store.subscribe(() => notified++);
    socket.emit('stats', stats('2026-11-26T10:00:00.000Z', 100));
    expect(store.get(FLOW).stats?.totals.ingested).toBe(100);
    expect(store.get(FLOW).rates).toEqual({});
    socket.emit('stats', stats('2026-11-26T10:00:02.000Z', 600));
    expect(store.get(FLOW).rates).toEqual({ in: 250 });
    expect(notified).toBe(2);
  });

  it('ignores malformed messages and counts dead-letter events', () => {
    const { socket, store } = storeWithFakeSocket();
    store.watch(FLOW);
    socket.serverConnect();
    socket.emit('stats', { flowId: FLOW, nodes: 'nope' });
    expect(store.get(FLOW).stats).toBeNull();
    socket.emit('deadLetter', { flowId: FLOW, count: 3, sample: [{ id: '1', nodeId: 'rules', recordId: '0192d6a4-0000-7000-8000-000000000001', error: { kind: 'invalid', message: 'bad' } }] });
    socket.emit('deadLetter', { flowId: FLOW, count: 2, sample: [] });
    expect(store.get(FLOW).deadLetterEvents).toBe(5);
    expect(store.get(FLOW).lastDeadLetter?.count).toBe(2);
  });
});
