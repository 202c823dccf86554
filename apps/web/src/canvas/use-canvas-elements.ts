import { useMemo, useRef } from 'react';
import type { ConnectorStatus, DryRunResult, NodeTypeInfo } from '@sluice/shared';
import type { EdgeView, NodeCounts, NodeView, SluiceEdge, SluiceNode } from './graph-model';
import type { IssueIndex } from './issues';
import type { LiveView } from './use-live-view';

export interface CanvasDecorations {
  types: ReadonlyMap<string, NodeTypeInfo>;
  issues: IssueIndex;
  live: LiveView;
  /** Show live counters (the flow has been deployed). */
  showLive: boolean;
  /** The last Try it run; while present its counts replace the live ones. */
  dryRun: DryRunResult | null;
  /** Broker sources' connection states by node id (empty when none or not deployed). Default none. */
  connectors?: ReadonlyMap<string, ConnectorStatus>;
}

function dryRunCounts(result: DryRunResult): Map<string, NodeCounts> {
  return new Map(result.nodes.map((n) => [n.nodeId, { source: 'dry-run', in: n.in, out: n.out, errors: n.errors.length, deadLettered: null, rate: null }]));
}

function countsKey(c: NodeCounts | null): string {
  return c ? `${c.source}|${c.in}|${JSON.stringify(c.out)}|${c.errors}|${c.deadLettered}|${c.rate?.toFixed(1)}` : '';
}

/**
 * The document's nodes and edges dressed for the canvas: type info, validation issues, live or
 * dry-run counts, health, edge counts and movement. A node object is rebuilt only when something
 * it shows changed, so a stats message re-renders just the nodes whose numbers moved.
 *
 * @example
 * const { nodes, edges } = useCanvasElements(doc.state.nodes, doc.state.edges, { types, issues, live, showLive, dryRun });
 * <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} edgeTypes={edgeTypes} … />
 */
export function useCanvasElements(docNodes: readonly SluiceNode[], docEdges: readonly SluiceEdge[], d: CanvasDecorations): { nodes: SluiceNode[]; edges: SluiceEdge[] } {
  const nodeCache = useRef(new Map<string, { base: SluiceNode; key: string; out: SluiceNode }>());
  const edgeCache = useRef(new Map<string, { base: SluiceEdge; key: string; out: SluiceEdge }>());

  const counts = useMemo(() => (d.dryRun ? dryRunCounts(d.dryRun) : d.showLive ? d.live.byNode : new Map<string, NodeCounts>()), [d.dryRun, d.showLive, d.live.byNode]);

  const nodes = useMemo(() => {
    const cache = nodeCache.current;
    const next = new Map<string, { base: SluiceNode; key: string; out: SluiceNode }>();
    const out = docNodes.map((base) => {
      const info = d.types.get(base.data.type);
      const issues = d.issues.byNode.get(base.id) ?? [];
      const c = counts.get(base.id) ?? null;
      // Red while records are being dead-lettered here; amber once it has failed or dead-lettered any.
      const health: NodeView['health'] =
        c?.source === 'live' && d.live.deadLettering.has(base.id) ? 'error' : c && (c.errors > 0 || (c.deadLettered ?? 0) > 0) ? 'warn' : 'ok';
      const connector = d.connectors?.get(base.id) ?? null;
      const key = `${info ? info.type : '?'}|${issues.map((i) => `${i.path}:${i.message}`).join('\n')}|${countsKey(c)}|${health}|${connector ? `${connector.state}:${connector.message}:${connector.worker}` : ''}`;
      const cached = cache.get(base.id);
      if (cached && cached.base === base && cached.key === key) {
        next.set(base.id, cached);
        return cached.out;
      }
      const view: NodeView = { info, issues, counts: c, health, connector };
      const decorated: SluiceNode = { ...base, data: { ...base.data, view } };
      next.set(base.id, { base, key, out: decorated });
      return decorated;
    });
    nodeCache.current = next;
    return out;
  }, [docNodes, d.types, d.issues, counts, d.live.deadLettering, d.connectors]);

  const edges = useMemo(() => {
    const cache = edgeCache.current;
    const next = new Map<string, { base: SluiceEdge; key: string; out: SluiceEdge }>();
    const out = docEdges.map((base) => {
      const port = base.sourceHandle ?? 'out';
      const sourceCounts = counts.get(base.source);
      const count = sourceCounts ? (sourceCounts.out[port] ?? 0) : null;
      const moving = !d.dryRun && d.showLive && d.live.movingPorts.has(`${base.source}:${port}`);
      const issues = d.issues.byEdge.get(base.id) ?? [];
      const key = `${count}|${moving}|${issues.map((i) => i.message).join('\n')}`;
      const cached = cache.get(base.id);
      if (cached && cached.base === base && cached.key === key) {
        next.set(base.id, cached);
        return cached.out;
      }
      const view: EdgeView = { count, moving, issues };
      // Not React Flow's `animated`: its moving dash restyles every edge on every frame (26% of a core
      // at 50 edges, bench:web). Moving edges are coloured and their count label pulses instead
      // (opacity only, which the compositor animates).
      const decorated: SluiceEdge = { ...base, animated: false, data: { ...base.data, view } };
      next.set(base.id, { base, key, out: decorated });
      return decorated;
    });
    edgeCache.current = next;
    return out;
  }, [docEdges, counts, d.dryRun, d.showLive, d.live.movingPorts, d.issues]);

  return { nodes, edges };
}
