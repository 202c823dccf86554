import { useCallback, useMemo, useRef, useState } from 'react';
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import type { Flow, NodeTypeInfo } from '@sluice/shared';
import {
  bodyToElements,
  connectionProblem,
  copyPayload,
  edgeForConnection,
  newNode,
  pastePayload,
  toBody,
  toEdge,
  toNode,
  type ClipboardPayload,
  type DocumentState,
  type FlowBody,
  type SluiceEdge,
  type SluiceNode,
} from './graph-model';
import { useHistory } from './use-history';

export interface FlowDocument {
  state: DocumentState;
  /** The document as the API body (graph + settings): what Save sends and validation checks. */
  body: FlowBody;
  /** The body differs from what was last loaded or saved. */
  isDirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  undo(): void;
  redo(): void;
  onNodesChange(changes: NodeChange<SluiceNode>[]): void;
  onEdgesChange(changes: EdgeChange<SluiceEdge>[]): void;
  onConnect(connection: Connection): void;
  /** React Flow's delete (keyboard) has finished: one undo step for the nodes and edges it removed. */
  onDelete(): void;
  /** Why a connection cannot be drawn, or null. */
  connectionProblem(connection: Connection | SluiceEdge): string | null;
  /** Adds a node of `info`'s type, selected; returns its id. */
  addNode(info: NodeTypeInfo, position: XYPosition): string;
  /** `key` groups keystrokes in one field into one undo step. */
  updateNode(id: string, patch: { config?: Record<string, unknown>; label?: string }, key?: string): void;
  updateFlow(patch: Partial<Pick<DocumentState, 'name' | 'description' | 'settings'>>, key?: string): void;
  deleteSelection(): void;
  copySelection(): ClipboardPayload | null;
  /** Pastes with fresh ids, shifted by `offset`; the pasted nodes become the selection. */
  paste(payload: ClipboardPayload, offset: XYPosition): void;
  /** Moves nodes (auto-layout) as one undo step. */
  moveNodes(positions: ReadonlyMap<string, XYPosition>): void;
  /** Selects exactly these nodes (and no edge). */
  select(nodeIds: readonly string[]): void;
  /** The server has this body now (after a save). */
  markSaved(body: FlowBody): void;
}

function initialState(flow: Flow): DocumentState {
  const { nodes, edges } = bodyToElements(flow.graph);
  return { name: flow.name, ...(flow.description ? { description: flow.description } : {}), settings: flow.settings, nodes, edges };
}

function selectOnly<T extends { id: string; selected?: boolean }>(items: readonly T[], ids: ReadonlySet<string>): T[] {
  return items.map((item) => {
    const selected = ids.has(item.id);
    return (item.selected ?? false) === selected ? item : { ...item, selected };
  });
}

/**
 * The editable flow: the one source of truth for what the canvas, the settings panel and Save see.
 * It holds React Flow's nodes and edges (so drags and measurements stay React Flow's), turns them
 * into the API's graph on demand, and keeps an undo history of graph snapshots — pushed after a
 * drop, a connection, a deletion, a paste, a layout or a drag's end, never per drag frame.
 *
 * @example
 * const doc = useFlowDocument(flow, typesByName);
 * <ReactFlow nodes={doc.state.nodes} edges={doc.state.edges} onNodesChange={doc.onNodesChange}
 *   onEdgesChange={doc.onEdgesChange} onConnect={doc.onConnect} onDelete={doc.onDelete} />
 * <button onClick={() => save.mutate(doc.body)} disabled={!doc.isDirty}>Save</button>
 */
export function useFlowDocument(flow: Flow, types: ReadonlyMap<string, NodeTypeInfo>): FlowDocument {
  const [state, setState] = useState(() => initialState(flow));
  const stateRef = useRef(state);
  const typesRef = useRef(types);
  typesRef.current = types;
  const history = useHistory<FlowBody>(toBody(state));
  const [savedJson, setSavedJson] = useState(() => JSON.stringify(toBody(state)));

  /** Shows `next` without an undo step (drag frames, selection, measurements). */
  const show = useCallback((next: DocumentState) => {
    stateRef.current = next;
    setState(next);
  }, []);
  const { push } = history;
  /** The JSON of the newest undo step, so a change that changes nothing (a drag back) adds none. */
  const committedJson = useRef(savedJson);
  /** Shows `next` and records it as one undo step. */
  const commit = useCallback(
    (next: DocumentState, key?: string) => {
      show(next);
      const snapshot = toBody(next);
      const json = JSON.stringify(snapshot);
      if (json === committedJson.current) return;
      committedJson.current = json;
      push(snapshot, key);
    },
    [show, push],
  );

  const body = useMemo(() => toBody(state), [state]);
  const isDirty = useMemo(() => JSON.stringify(body) !== savedJson, [body, savedJson]);

  const restore = useCallback(
    (snapshot: FlowBody | undefined) => {
      if (!snapshot) return;
      const current = stateRef.current;
      committedJson.current = JSON.stringify(snapshot);
      const { nodes, edges } = bodyToElements(snapshot, current);
      show({ name: snapshot.name, ...(snapshot.description ? { description: snapshot.description } : {}), settings: snapshot.settings, nodes, edges });
    },
    [show],
  );
  const { undo: historyUndo, redo: historyRedo } = history;
  const undo = useCallback(() => restore(historyUndo()), [restore, historyUndo]);
  const redo = useCallback(() => restore(historyRedo()), [restore, historyRedo]);

  const onNodesChange = useCallback(
    (changes: NodeChange<SluiceNode>[]) => {
      const current = stateRef.current;
      const next = { ...current, nodes: applyNodeChanges(changes, current.nodes) };
      // A drag's last change has `dragging: false`: that is the step to remember.
      const dragEnded = changes.some((c) => c.type === 'position' && c.dragging === false);
      if (dragEnded) commit(next);
      else show(next);
    },
    [commit, show],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<SluiceEdge>[]) => {
      const current = stateRef.current;
      show({ ...current, edges: applyEdgeChanges(changes, current.edges) });
    },
    [show],
  );

  const onDelete = useCallback(() => commit(stateRef.current), [commit]);

  const problem = useCallback((c: Connection | SluiceEdge) => {
    const { nodes, edges } = stateRef.current;
    return connectionProblem({ source: c.source, sourceHandle: c.sourceHandle ?? null, target: c.target, targetHandle: c.targetHandle ?? null }, nodes, edges, typesRef.current);
  }, []);

  const onConnect = useCallback(
    (c: Connection) => {
      if (problem(c) !== null) return;
      const current = stateRef.current;
      const target = current.nodes.find((n) => n.id === c.target);
      const edge = edgeForConnection(c, current.edges, target ? typesRef.current.get(target.data.type) : undefined);
      commit({ ...current, edges: [...current.edges, toEdge(edge)] });
    },
    [commit, problem],
  );

  const addNode = useCallback(
    (info: NodeTypeInfo, position: XYPosition) => {
      const current = stateRef.current;
      const node = newNode(info, position, current.nodes.map((n) => n.id));
      commit({ ...current, nodes: [...selectOnly(current.nodes, new Set()), { ...toNode(node), selected: true }], edges: selectOnly(current.edges, new Set()) });
      return node.id;
    },
    [commit],
  );

  const updateNode = useCallback(
    (id: string, patch: { config?: Record<string, unknown>; label?: string }, key?: string) => {
      const current = stateRef.current;
      const nodes = current.nodes.map((n) => {
        if (n.id !== id) return n;
        const data = { ...n.data, ...(patch.config !== undefined ? { config: patch.config } : {}) };
        if (patch.label !== undefined) {
          if (patch.label === '') delete data.label;
          else data.label = patch.label;
        }
        return { ...n, data };
      });
      commit({ ...current, nodes }, key);
    },
    [commit],
  );

  const updateFlow = useCallback(
    (patch: Partial<Pick<DocumentState, 'name' | 'description' | 'settings'>>, key?: string) => {
      const next = { ...stateRef.current, ...patch };
      if (next.description === '') delete next.description;
      commit(next, key);
    },
    [commit],
  );

  const deleteSelection = useCallback(() => {
    const current = stateRef.current;
    const removed = new Set(current.nodes.filter((n) => n.selected).map((n) => n.id));
    const edges = current.edges.filter((e) => !e.selected && !removed.has(e.source) && !removed.has(e.target));
    if (removed.size === 0 && edges.length === current.edges.length) return;
    commit({ ...current, nodes: current.nodes.filter((n) => !removed.has(n.id)), edges });
  }, [commit]);

  const copySelection = useCallback(() => copyPayload(stateRef.current.nodes, stateRef.current.edges), []);

  const paste = useCallback(
    (payload: ClipboardPayload, offset: XYPosition) => {
      const current = stateRef.current;
      const pasted = pastePayload(payload, current.nodes.map((n) => n.id), current.edges.map((e) => e.id), offset);
      if (pasted.nodes.length === 0) return;
      commit({
        ...current,
        nodes: [...selectOnly(current.nodes, new Set()), ...pasted.nodes.map((n) => ({ ...toNode(n), selected: true }))],
        edges: [...selectOnly(current.edges, new Set()), ...pasted.edges.map((e) => toEdge(e))],
      });
    },
    [commit],
  );

  const moveNodes = useCallback(
    (positions: ReadonlyMap<string, XYPosition>) => {
      const current = stateRef.current;
      commit({ ...current, nodes: current.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id) ?? n.position } : n)) });
    },
    [commit],
  );

  const select = useCallback(
    (ids: readonly string[]) => {
      const current = stateRef.current;
      show({ ...current, nodes: selectOnly(current.nodes, new Set(ids)), edges: selectOnly(current.edges, new Set()) });
    },
    [show],
  );

  const markSaved = useCallback((saved: FlowBody) => setSavedJson(JSON.stringify(saved)), []);

  return {
    state,
    body,
    isDirty,
    canUndo: history.canUndo,
    canRedo: history.canRedo,
    undo,
    redo,
    onNodesChange,
    onEdgesChange,
    onConnect,
    onDelete,
    connectionProblem: problem,
    addNode,
    updateNode,
    updateFlow,
    deleteSelection,
    copySelection,
    paste,
    moveNodes,
    select,
    markSaved,
  };
}
