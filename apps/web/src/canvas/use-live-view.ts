import { useEffect, useMemo, useRef, useState } from 'react';
import type { FlowStats } from '@sluice/shared';
import { useLiveFlow } from '../live/use-live-flow';
import type { NodeCounts } from './graph-model';

/** A port counts as moving, and a node as dead-lettering, this long after its count last grew. */
const RECENT_MS = 4_000;
/**
 * The server pushes stats only when counters change, so a flow that went idle sends nothing more:
 * this long after the last message, rates read 0 and nothing moves.
 */
const QUIET_MS = 4_000;

export interface LiveView {
  /** Each node's counters from the latest stats message. */
  byNode: Map<string, NodeCounts>;
  /** Nodes whose dead-lettered count grew in the last few seconds. */
  deadLettering: Set<string>;
  /** `nodeId:port` pairs whose out count grew in the last few seconds: their edges animate. */
  movingPorts: Set<string>;
  /** Dead letters still pending for the flow (exact, from the table); null before the first message. */
  pendingDeadLetters: number | null;
  recordsPerSecond: number | null;
  stats: FlowStats | null;
}

/**
 * The deployed flow's live numbers, shaped for the canvas: counters per node, which edges have
 * records moving along them, and which nodes are dead-lettering right now. Growth is judged on the
 * stats' own timestamps, so rendering twice never changes the answer.
 *
 * @example
 * const live = useLiveView(flowId);
 * const counts = live.byNode.get('map-1'); // { in, out: { out: 998 }, errors: 2, rate: 41.5, … }
 * const animated = live.movingPorts.has('map-1:out');
 */
export function useLiveView(flowId: string): LiveView {
  const { stats, rates } = useLiveFlow(flowId);
  const previous = useRef<FlowStats | null>(null);
  const grewAt = useRef(new Map<string, number>());
  const [quietSince, setQuietSince] = useState<FlowStats | null>(null);
  useEffect(() => {
    if (!stats) return;
    const timer = setTimeout(() => setQuietSince(stats), QUIET_MS);
    return () => clearTimeout(timer);
  }, [stats]);
  const quiet = stats !== null && quietSince === stats;

  return useMemo(() => {
    const byNode = new Map<string, NodeCounts>();
    const deadLettering = new Set<string>();
    const movingPorts = new Set<string>();
    if (!stats) return { byNode, deadLettering, movingPorts, pendingDeadLetters: null, recordsPerSecond: null, stats };
    const at = Date.parse(stats.at);
    const before = previous.current && previous.current.flowId === stats.flowId && Date.parse(previous.current.at) < at ? previous.current : null;
    const oldById = new Map(before?.nodes.map((n) => [n.nodeId, n]));
    for (const node of stats.nodes) {
      const old = oldById.get(node.nodeId);
      if (old) {
        if (node.deadLettered > old.deadLettered) grewAt.current.set(`dl:${node.nodeId}`, at);
        for (const [port, count] of Object.entries(node.out)) if (count > (old.out[port] ?? 0)) grewAt.current.set(`out:${node.nodeId}:${port}`, at);
      }
      byNode.set(node.nodeId, { source: 'live', in: node.in, out: node.out, errors: node.errors, deadLettered: node.deadLettered, rate: quiet ? 0 : (rates[node.nodeId] ?? null) });
    }
    for (const [key, when] of grewAt.current) {
      if (quiet || at - when > RECENT_MS) continue;
      if (key.startsWith('dl:')) deadLettering.add(key.slice(3));
      else movingPorts.add(key.slice(4));
    }
    previous.current = stats;
    return { byNode, deadLettering, movingPorts, pendingDeadLetters: stats.totals.pendingDeadLetters, recordsPerSecond: quiet ? 0 : stats.totals.recordsPerSecond, stats };
  }, [stats, rates, quiet]);
}
