import { useEffect, useSyncExternalStore } from 'react';
import { statsStore, type LiveFlow, type StatsStore } from './stats-store';

/**
 * The live numbers of one flow, updated from socket.io while the component is mounted.
 *
 * @example
 * const { stats, rates } = useLiveFlow(flowId);
 * const mapIn = stats?.nodes.find((n) => n.nodeId === 'map')?.in ?? 0;
 */
export function useLiveFlow(flowId: string | undefined, store: StatsStore = statsStore): LiveFlow {
  useEffect(() => (flowId ? store.watch(flowId) : undefined), [flowId, store]);
  return useSyncExternalStore(store.subscribe, () => (flowId ? store.get(flowId) : store.get('')));
}
