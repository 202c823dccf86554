// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { createHistory, pushHistory, redoHistory, undoHistory, useHistory } from './use-history';

afterEach(() => vi.useRealTimers());

describe('history (pure)', () => {
  it('undoes and redoes snapshots in order, and a new push forgets what was undone', () => {
    let h = createHistory('a');
    h = pushHistory(h, 'b', null, 1);
    h = pushHistory(h, 'c', null, 2);
    h = undoHistory(h);
    expect(h.present).toBe('b');
    h = undoHistory(h);
    expect(h.present).toBe('a');
    expect(undoHistory(h)).toBe(h);
    h = redoHistory(h);
    expect(h.present).toBe('b');
    h = pushHistory(h, 'd', null, 3);
    expect(h.future).toEqual([]);
    expect(redoHistory(h)).toBe(h);
    expect(h.past).toEqual(['a', 'b']);
  });

  it('groups pushes with the same key within the window into one step', () => {
    let h = createHistory('');
    h = pushHistory(h, 'h', 'field', 0);
    h = pushHistory(h, 'he', 'field', 300);
    h = pushHistory(h, 'hel', 'field', 600);
    expect(h.past).toEqual(['']);
    // After a pause, or for another field, a new step begins.
    h = pushHistory(h, 'hell', 'field', 2_000);
    h = pushHistory(h, 'x', 'other', 2_100);
    expect(h.past).toEqual(['', 'hel', 'hell']);
    expect(undoHistory(h).present).toBe('hell');
  });

  it('keeps at most `limit` steps', () => {
    let h = createHistory(0);
    for (let i = 1; i <= 10; i++) h = pushHistory(h, i, null, i, { limit: 3 });
    expect(h.past).toEqual([7, 8, 9]);
  });
});

describe('useHistory', () => {
  it('returns the snapshot to show from undo and redo, and tells what is possible', () => {
    const { result } = renderHook(() => useHistory({ nodes: ['in'] }));
    expect(result.current.canUndo).toBe(false);
    act(() => result.current.push({ nodes: ['in', 'map-1'] }));
    act(() => result.current.push({ nodes: ['in', 'map-1', 'log-1'] }));
    expect(result.current.canUndo).toBe(true);
    let shown: { nodes: string[] } | undefined;
    act(() => {
      shown = result.current.undo();
    });
    expect(shown).toEqual({ nodes: ['in', 'map-1'] });
    expect(result.current.present).toEqual({ nodes: ['in', 'map-1'] });
    expect(result.current.canRedo).toBe(true);
    act(() => {
      shown = result.current.redo();
    });
    expect(shown).toEqual({ nodes: ['in', 'map-1', 'log-1'] });
    act(() => {
      result.current.undo();
      result.current.undo();
    });
    expect(result.current.present).toEqual({ nodes: ['in'] });
    act(() => {
      shown = result.current.undo();
    });
    expect(shown).toBeUndefined();
  });

  it('makes keystrokes in one field a single step, then a new step after a pause', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const { result } = renderHook(() => useHistory('$sum('));
    act(() => result.current.push('$sum(i', 'config:map-1:expression'));
    vi.setSystemTime(200);
    act(() => result.current.push('$sum(it', 'config:map-1:expression'));
    vi.setSystemTime(400);
    act(() => result.current.push('$sum(items)', 'config:map-1:expression'));
    vi.setSystemTime(5_000);
    act(() => result.current.push('$sum(items) + 1', 'config:map-1:expression'));
    act(() => {
      result.current.undo();
    });
    expect(result.current.present).toBe('$sum(items)');
    act(() => {
      result.current.undo();
    });
    expect(result.current.present).toBe('$sum(');
    expect(result.current.canUndo).toBe(false);
  });

  it('reset forgets everything', () => {
    const { result } = renderHook(() => useHistory(1));
    act(() => result.current.push(2));
    act(() => result.current.reset(9));
    expect(result.current.present).toBe(9);
    expect(result.current.canUndo).toBe(false);
    expect(result.current.canRedo).toBe(false);
  });
});
