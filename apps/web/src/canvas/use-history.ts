import { useCallback, useRef, useState } from 'react';

/** Snapshots behind and ahead of the present one. */
export interface HistoryState<T> {
  past: T[];
  present: T;
  future: T[];
  /** What the last push was about; a push about the same thing soon after replaces it. */
  lastKey: string | null;
  lastAt: number;
}

export interface HistoryOptions {
  /** Most snapshots kept behind the present. Default 100. */
  limit?: number;
  /** Pushes with the same key within this many ms become one step (typing in a field). Default 1000. */
  coalesceMs?: number;
}

export function createHistory<T>(present: T): HistoryState<T> {
  return { past: [], present, future: [], lastKey: null, lastAt: 0 };
}

export function pushHistory<T>(state: HistoryState<T>, next: T, key: string | null, now: number, options: HistoryOptions = {}): HistoryState<T> {
  const { limit = 100, coalesceMs = 1000 } = options;
  if (key !== null && key === state.lastKey && now - state.lastAt <= coalesceMs && state.future.length === 0) {
    return { ...state, present: next, lastAt: now };
  }
  const past = [...state.past, state.present];
  return { past: past.length > limit ? past.slice(past.length - limit) : past, present: next, future: [], lastKey: key, lastAt: now };
}

export function undoHistory<T>(state: HistoryState<T>): HistoryState<T> {
  const previous = state.past[state.past.length - 1];
  if (state.past.length === 0 || previous === undefined) return state;
  return { past: state.past.slice(0, -1), present: previous, future: [state.present, ...state.future], lastKey: null, lastAt: 0 };
}

export function redoHistory<T>(state: HistoryState<T>): HistoryState<T> {
  const [next, ...rest] = state.future;
  if (next === undefined) return state;
  return { past: [...state.past, state.present], present: next, future: rest, lastKey: null, lastAt: 0 };
}

export interface History<T> {
  present: T;
  canUndo: boolean;
  canRedo: boolean;
  /** Records a new present; `key` groups quick successive changes to one thing into one step. */
  push(next: T, key?: string): void;
  /** Steps back; returns the snapshot to show, or undefined when there is nothing to undo. */
  undo(): T | undefined;
  redo(): T | undefined;
  /** Forgets everything and starts again from `present` (a flow reloaded from the server). */
  reset(present: T): void;
}

/**
 * Undo/redo over snapshots. The caller decides what a step is: the canvas pushes a whole graph
 * after a drop, a connection, a deletion or a drag's end — never per drag frame — and groups
 * keystrokes in one field with a key.
 *
 * @example
 * const history = useHistory(graph);
 * history.push(nextGraph);                         // after a node was added
 * history.push(withConfig, `config:${nodeId}:url`); // typing in one field is one step
 * const previous = history.undo();                 // then show `previous`
 */
export function useHistory<T>(initial: T, options: HistoryOptions = {}): History<T> {
  const ref = useRef<HistoryState<T> | null>(null);
  if (ref.current === null) ref.current = createHistory(initial);
  const [state, setState] = useState(ref.current);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  // Changes go through the ref first so that undo can return its snapshot synchronously.
  const apply = useCallback((next: HistoryState<T>) => {
    ref.current = next;
    setState(next);
    return next;
  }, []);

  const push = useCallback((next: T, key?: string) => {
    apply(pushHistory(ref.current!, next, key ?? null, Date.now(), optionsRef.current));
  }, [apply]);

  const undo = useCallback(() => {
    const current = ref.current!;
    if (current.past.length === 0) return undefined;
    return apply(undoHistory(current)).present;
  }, [apply]);

  const redo = useCallback(() => {
    const current = ref.current!;
    if (current.future.length === 0) return undefined;
    return apply(redoHistory(current)).present;
  }, [apply]);

  const reset = useCallback((present: T) => {
    apply(createHistory(present));
  }, [apply]);

  return { present: state.present, canUndo: state.past.length > 0, canRedo: state.future.length > 0, push, undo, redo, reset };
}
