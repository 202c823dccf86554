import { Graph, layout } from '@dagrejs/dagre';
import type { XYPosition } from '@xyflow/react';
import { NODE_SIZE, type SluiceEdge, type SluiceNode } from './graph-model';

const GRID = 16;
/** Room kept for a node's counts row, which appears once the flow runs or is tried. */
const MIN_HEIGHT = 128;

/**
 * Left-to-right layered layout (dagre): sources on the left, sinks on the right, as few crossings
 * as it can. Returns each node's new top-left position, snapped to the canvas grid.
 */
export function layoutPositions(nodes: readonly SluiceNode[], edges: readonly SluiceEdge[]): Map<string, XYPosition> {
  const g = new Graph<{ rankdir: string; nodesep: number; ranksep: number; marginx: number; marginy: number }, { width: number; height: number; x?: number; y?: number }, object>();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    g.setNode(node.id, { width: node.measured?.width ?? NODE_SIZE.width, height: Math.max(node.measured?.height ?? NODE_SIZE.height, MIN_HEIGHT) });
  }
  for (const edge of edges) if (g.hasNode(edge.source) && g.hasNode(edge.target)) g.setEdge(edge.source, edge.target);
  layout(g);
  const positions = new Map<string, XYPosition>();
  for (const node of nodes) {
    const placed = g.node(node.id);
    if (placed?.x === undefined || placed.y === undefined) continue;
    // dagre gives centres; React Flow wants top-left corners.
    const x = placed.x - placed.width / 2;
    const y = placed.y - placed.height / 2;
    positions.set(node.id, { x: Math.round(x / GRID) * GRID, y: Math.round(y / GRID) * GRID });
  }
  return positions;
}
