// The canvas document's rules, apart from React: how a flow's graph becomes React Flow nodes and
// edges and back, how new ids are chosen, what may connect to what, and what copy/paste carries.
import type { Edge, Node, XYPosition } from '@xyflow/react';
import { z } from 'zod';
import { GraphEdgeSchema, GraphNodeSchema, type ConnectorStatus, type CreateFlowBody, type FlowSettings, type GraphEdge, type GraphNode, type Issue, type NodeKind, type NodeTypeInfo } from '@sluice/shared';

/** What a node shows besides its own settings: computed by the editor, never saved. */
export interface NodeView {
  /** The node's type; undefined when the server does not know the type. */
  info: NodeTypeInfo | undefined;
  issues: Issue[];
  counts: NodeCounts | null;
  /** amber: the node has failed records; red: it is dead-lettering records right now. */
  health: 'ok' | 'warn' | 'error';
  /** A broker source's connection state; null for other nodes and undeployed flows. */
  connector?: ConnectorStatus | null;
}

export interface NodeCounts {
  /** `live`: the deployed flow's counters; `dry-run`: the last Try it run. */
  source: 'live' | 'dry-run';
  in: number;
  out: Record<string, number>;
  errors: number;
  deadLettered: number | null;
  /** Records per second into the node (live only). */
  rate: number | null;
}

export interface SluiceNodeData extends Record<string, unknown> {
  type: string;
  config: Record<string, unknown>;
  label?: string;
  view?: NodeView;
}
export type SluiceNode = Node<SluiceNodeData, 'sluice'>;

export interface EdgeView {
  /** Records that left along this edge (the source port's out count), live or from the last dry run. */
  count: number | null;
  /** Records are moving along it now. */
  moving: boolean;
  issues: Issue[];
}

export interface SluiceEdgeData extends Record<string, unknown> {
  /** Kept as given: a graph edge without a target port stays without one. */
  targetPort?: string;
  view?: EdgeView;
}
export type SluiceEdge = Edge<SluiceEdgeData, 'count'>;

/** What the editor saves: the API's flow body (graph plus engine settings). */
export type FlowBody = CreateFlowBody;

export function toNode(node: GraphNode, previous?: SluiceNode): SluiceNode {
  return {
    id: node.id,
    type: 'sluice',
    position: { x: node.position.x, y: node.position.y },
    data: { type: node.type, config: node.config, ...(node.label !== undefined ? { label: node.label } : {}) },
    // Keeps what React Flow measured and what the analyst selected across undo and reload.
    ...(previous?.measured ? { measured: previous.measured } : {}),
    ...(previous?.selected ? { selected: true } : {}),
  };
}

export function toEdge(edge: GraphEdge, previous?: SluiceEdge): SluiceEdge {
  return {
    id: edge.id,
    type: 'count',
    source: edge.source,
    sourceHandle: edge.sourcePort,
    target: edge.target,
    targetHandle: edge.targetPort ?? null,
    data: edge.targetPort !== undefined ? { targetPort: edge.targetPort } : {},
    ...(previous?.selected ? { selected: true } : {}),
  };
}

/** Graph → React Flow elements; `previous` elements lend their measurements and selection. */
export function bodyToElements(body: Pick<FlowBody, 'nodes' | 'edges'>, previous?: { nodes: readonly SluiceNode[]; edges: readonly SluiceEdge[] }) {
  const prevNodes = new Map(previous?.nodes.map((n) => [n.id, n]));
  const prevEdges = new Map(previous?.edges.map((e) => [e.id, e]));
  return {
    nodes: body.nodes.map((n) => toNode(n, prevNodes.get(n.id))),
    edges: body.edges.map((e) => toEdge(e, prevEdges.get(e.id))),
  };
}

export function fromNode(node: SluiceNode): GraphNode {
  return {
    id: node.id,
    type: node.data.type,
    config: node.data.config,
    // Whole pixels: positions are saved, and sub-pixel noise would mark a flow changed for nothing.
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    ...(node.data.label !== undefined && node.data.label !== '' ? { label: node.data.label } : {}),
  };
}

export function fromEdge(edge: SluiceEdge): GraphEdge {
  return {
    id: edge.id,
    source: edge.source,
    sourcePort: edge.sourceHandle ?? 'out',
    target: edge.target,
    ...(edge.data?.targetPort !== undefined ? { targetPort: edge.data.targetPort } : {}),
  };
}

export interface DocumentState {
  name: string;
  description?: string;
  settings?: Partial<FlowSettings>;
  nodes: SluiceNode[];
  edges: SluiceEdge[];
}

/** The document as the API body: what Save sends, Export writes, and undo snapshots hold. */
export function toBody(state: DocumentState): FlowBody {
  return {
    name: state.name,
    ...(state.description ? { description: state.description } : {}),
    nodes: state.nodes.map(fromNode),
    edges: state.edges.map(fromEdge),
    ...(state.settings ? { settings: state.settings } : {}),
  };
}

/** `transform.map` → `map`; anything else is cut to id-safe characters. */
export function shortType(type: string): string {
  const last = type.split('.').pop() ?? type;
  return last.replace(/[^A-Za-z0-9_-]/g, '') || 'node';
}

/** `map-1`, `map-2`, …: one more than the highest number already used with that prefix. */
export function nextNodeId(type: string, taken: Iterable<string>): string {
  const prefix = shortType(type);
  const ids = new Set(taken);
  let n = 0;
  const pattern = new RegExp(`^${prefix}-(\\d+)$`);
  for (const id of ids) {
    const m = pattern.exec(id);
    if (m?.[1]) n = Math.max(n, Number(m[1]));
  }
  let id = `${prefix}-${n + 1}`;
  while (ids.has(id)) id = `${prefix}-${++n + 1}`;
  return id;
}

export function nextEdgeId(taken: Iterable<string>): string {
  return nextNodeId('e', taken);
}

/** A new node of `info`'s type: its first example's config (a working start), else `{}`. */
export function newNode(info: NodeTypeInfo, position: XYPosition, taken: Iterable<string>): GraphNode {
  const example = info.examples[0]?.config;
  return { id: nextNodeId(info.type, taken), type: info.type, config: example ? structuredClone(example) : {}, position };
}

export interface ConnectionCheck {
  source: string;
  sourceHandle: string | null;
  target: string;
  targetHandle: string | null;
}

/**
 * Why a connection may not be drawn, or null when it may: sources take no input, sinks have no
 * output, ports must exist, an edge is drawn once, and a flow never loops (the compiler rejects
 * cycles; refusing them here saves the analyst the round trip).
 */
export function connectionProblem(c: ConnectionCheck, nodes: readonly SluiceNode[], edges: readonly SluiceEdge[], types: ReadonlyMap<string, NodeTypeInfo>): string | null {
  if (c.source === c.target) return 'a node cannot feed itself';
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source || !target) return 'unknown node';
  const from = types.get(source.data.type);
  const to = types.get(target.data.type);
  if (from && from.outputs.length === 0) return `${from.title} is a sink: it has no outputs`;
  if (to && to.inputs.length === 0) return `${to.title} is a source: it takes no input`;
  if (from && c.sourceHandle && !from.outputs.includes(c.sourceHandle)) return `${from.title} has no output "${c.sourceHandle}"`;
  if (to && c.targetHandle && !to.inputs.includes(c.targetHandle)) return `${to.title} has no input "${c.targetHandle}"`;
  if (edges.some((e) => e.source === c.source && (e.sourceHandle ?? 'out') === (c.sourceHandle ?? 'out') && e.target === c.target)) return 'these ports are already connected';
  // A loop: the target already reaches the source.
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [c.target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === c.source) return 'this edge would make the flow loop';
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return null;
}

/** The edge an accepted connection becomes; a target port is named only where there is a choice. */
export function edgeForConnection(c: ConnectionCheck, edges: readonly SluiceEdge[], target: NodeTypeInfo | undefined): GraphEdge {
  const needsPort = (target?.inputs.length ?? 1) > 1;
  return {
    id: nextEdgeId(edges.map((e) => e.id)),
    source: c.source,
    sourcePort: c.sourceHandle ?? 'out',
    target: c.target,
    ...(needsPort && c.targetHandle ? { targetPort: c.targetHandle } : {}),
  };
}

/** What copy puts on the clipboard: the selected nodes and the edges between them. */
export interface ClipboardPayload {
  kind: 'sluice/nodes';
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copyPayload(nodes: readonly SluiceNode[], edges: readonly SluiceEdge[]): ClipboardPayload | null {
  const selected = nodes.filter((n) => n.selected);
  if (selected.length === 0) return null;
  const ids = new Set(selected.map((n) => n.id));
  return {
    kind: 'sluice/nodes',
    nodes: selected.map(fromNode),
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(fromEdge),
  };
}

const ClipboardPayloadSchema = z.object({ kind: z.literal('sluice/nodes'), nodes: z.array(GraphNodeSchema), edges: z.array(GraphEdgeSchema) });

/** Reads a payload copied in this or another editor tab; anything else is not ours. */
export function parseClipboard(text: string): ClipboardPayload | null {
  try {
    const parsed = ClipboardPayloadSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Pasted nodes get fresh ids (and their edges follow them), shifted by `offset`. */
export function pastePayload(payload: ClipboardPayload, takenNodeIds: Iterable<string>, takenEdgeIds: Iterable<string>, offset: XYPosition): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodeIds = new Set(takenNodeIds);
  const edgeIds = new Set(takenEdgeIds);
  const renamed = new Map<string, string>();
  const nodes = payload.nodes.map((n) => {
    const id = nextNodeId(n.type, nodeIds);
    nodeIds.add(id);
    renamed.set(n.id, id);
    return { ...n, id, config: structuredClone(n.config), position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
  });
  const edges: GraphEdge[] = [];
  for (const e of payload.edges) {
    const source = renamed.get(e.source);
    const target = renamed.get(e.target);
    if (!source || !target) continue;
    const id = nextEdgeId(edgeIds);
    edgeIds.add(id);
    edges.push({ ...e, id, source, target });
  }
  return { nodes, edges };
}

export const KIND_ORDER: readonly NodeKind[] = ['source', 'transform', 'validate', 'route', 'sink'];

export const KIND_LABEL: Record<NodeKind, string> = {
  source: 'Sources',
  transform: 'Transforms',
  validate: 'Validators',
  route: 'Routes',
  sink: 'Sinks',
};

/** The graph as the compiler sees it (no positions, no engine settings): changes here need a new check. */
export function logicKey(body: Pick<FlowBody, 'name' | 'nodes' | 'edges'>): string {
  return JSON.stringify({ name: body.name, nodes: body.nodes.map(({ position: _position, ...n }) => n), edges: body.edges });
}

/** Size assumed for a node React Flow has not measured yet (the node's CSS width). */
export const NODE_SIZE = { width: 184, height: 96 };

/**
 * `desired`, or the nearest spot below it (then in the next column) where a new node overlaps no
 * existing one, so a node added by click never hides another.
 */
export function freePosition(nodes: readonly SluiceNode[], desired: XYPosition, gap = 16): XYPosition {
  const overlaps = (p: XYPosition) =>
    nodes.some((n) => {
      const w = n.measured?.width ?? NODE_SIZE.width;
      const h = n.measured?.height ?? NODE_SIZE.height;
      return p.x < n.position.x + w + gap && n.position.x < p.x + NODE_SIZE.width + gap && p.y < n.position.y + h + gap && n.position.y < p.y + NODE_SIZE.height + gap;
    });
  for (let column = 0; column < 8; column++) {
    for (let row = 0; row < 8; row++) {
      const p = { x: desired.x + column * (NODE_SIZE.width + 2 * gap), y: desired.y + row * (NODE_SIZE.height + 2 * gap) };
      if (!overlaps(p)) return p;
    }
  }
  return desired;
}
