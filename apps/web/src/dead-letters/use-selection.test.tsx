// @vitest-environment happy-dom
import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useSelection } from './use-selection';

describe('useSelection', () => {
  it('toggles, selects many, and empties itself when the scope changes', () => {
    const { result, rerender } = renderHook((scope: string) => useSelection(scope), { initialProps: 'pending' });
    act(() => result.current.toggle('1'));
    act(() => result.current.setMany(['2', '3'], true));
    expect([...result.current.ids].sort()).toEqual(['1', '2', '3']);
    act(() => result.current.toggle('2'));
    act(() => result.current.setMany(['3'], false));
    expect([...result.current.ids]).toEqual(['1']);

    rerender('all');
    expect(result.current.ids.size).toBe(0);
    act(() => result.current.toggle('9'));
    expect(result.current.has('9')).toBe(true);
    act(() => result.current.clear());
    expect(result.current.ids.size).toBe(0);
  });
});
