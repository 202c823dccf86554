// @vitest-environment happy-dom
import { act, renderHook } from '@testing-library/react';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { StatsStore } from '../live/stats-store';
import { useNewDeadLetters } from './use-new-dead-letters';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const announce = (store: StatsStore, flowId: string, count: number) =>
  act(() => store.receiveDeadLetter({ flowId, count, sample: [] }));

describe('useNewDeadLetters', () => {
  it('counts announcements since the table was last reloaded, across the flows watched', () => {
    // A real client that never connects: the store is fed by hand.
    const store = new StatsStore(() => io('http://127.0.0.1:9', { autoConnect: false }));
    announce(store, A, 4); // before the page opened: not new to the analyst
    const { result, rerender } = renderHook(({ since }: { since: string }) => useNewDeadLetters([A, B], since, store), { initialProps: { since: 'v0' } });
    expect(result.current).toBe(0);

    announce(store, A, 2);
    announce(store, B, 1);
    expect(result.current).toBe(3);

    rerender({ since: 'v1' }); // refreshed
    expect(result.current).toBe(0);
    announce(store, B, 5);
    expect(result.current).toBe(5);
  });
});
