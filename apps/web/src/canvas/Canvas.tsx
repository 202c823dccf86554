import { useCallback, type DragEvent, type ReactNode, type RefObject } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type DefaultEdgeOptions,
  type EdgeTypes,
  type FitViewOptions,
  type NodeTypes,
} from '@xyflow/react';
import type { NodeKind } from '@sluice/shared';
import { CountEdge } from './CountEdge';
import { FlowNode } from './FlowNode';
import { NODE_SIZE, type SluiceEdge, type SluiceNode } from './graph-model';
import { NODE_TYPE_MIME } from './Palette';
import type { FlowDocument } from './use-flow-document';

// Defined once, at module scope: React Flow re-creates every node when these objects change.
const nodeTypes = { sluice: FlowNode } satisfies NodeTypes;
const edgeTypes = { count: CountEdge } satisfies EdgeTypes;
const defaultEdgeOptions: DefaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: '#94a3b8' } };
const SNAP_GRID: [number, number] = [16, 16];
export const FIT_VIEW_OPTIONS: FitViewOptions = { padding: 0.2, maxZoom: 1.1 };
const MINIMAP_SIZE = { width: 168, height: 112 };
const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];

const KIND_COLOUR: Record<NodeKind, string> = { source: '#16a34a', transform: '#2563eb', validate: '#7c3aed', route: '#0891b2', sink: '#ea580c' };

function minimapColour(node: SluiceNode): string {
  const kind = node.data.view?.info?.kind;
  return kind ? KIND_COLOUR[kind] : '#94a3b8';
}

export interface CanvasProps {
  nodes: SluiceNode[];
  edges: SluiceEdge[];
  doc: FlowDocument;
  /** A palette item was dropped at `position` (flow coordinates, already snapped). */
  onDropType(type: string, position: { x: number; y: number }): void;
  wrapperRef: RefObject<HTMLDivElement | null>;
  children?: ReactNode;
}

/** The React Flow canvas: drop target for the palette, grid, minimap and controls. */
export function Canvas({ nodes, edges, doc, onDropType, wrapperRef, children }: CanvasProps) {
  const { screenToFlowPosition } = useReactFlow<SluiceNode, SluiceEdge>();
  const { connectionProblem } = doc;
  const isValidConnection = useCallback((c: Connection | SluiceEdge) => connectionProblem(c) === null, [connectionProblem]);

  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    const type = event.dataTransfer.getData(NODE_TYPE_MIME);
    if (!type) return;
    event.preventDefault();
    // The dropped node is centred on the pointer.
    const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    onDropType(type, { x: Math.round((at.x - NODE_SIZE.width / 2) / SNAP_GRID[0]) * SNAP_GRID[0], y: Math.round((at.y - NODE_SIZE.height / 2) / SNAP_GRID[1]) * SNAP_GRID[1] });
  };

  return (
    <div className="canvas" ref={wrapperRef} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<SluiceNode, SluiceEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={doc.onNodesChange}
        onEdgesChange={doc.onEdgesChange}
        onConnect={doc.onConnect}
        onDelete={doc.onDelete}
        isValidConnection={isValidConnection}
        defaultEdgeOptions={defaultEdgeOptions}
        snapToGrid
        snapGrid={SNAP_GRID}
        fitView
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.15}
        maxZoom={2}
        deleteKeyCode={DELETE_KEYS}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        attributionPosition="top-right"
        aria-label="Flow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} color="#c9d1dc" />
        <Controls position="bottom-left" showInteractive={false} />
        {nodes.length > 0 && <MiniMap position="bottom-right" style={MINIMAP_SIZE} pannable zoomable nodeColor={minimapColour} nodeStrokeWidth={0} maskColor="rgb(246 247 249 / 70%)" ariaLabel="Mini map of the flow" />}
        {children}
      </ReactFlow>
    </div>
  );
}
