// @vitest-environment happy-dom
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeadLetter } from '@sluice/shared';
import type { DeadLetterFilters } from './dead-letter-query';
import { useDeadLetters } from './use-dead-letters';

const FLOW = '11111111-1111-4111-8111-111111111111';

function deadLetter(id: number): DeadLetter {
  return {
    id: String(id),
    flowId: FLOW,
    nodeId: 'rules',
    version: 1,
    recordId: '01a21647-caea-75f2-b40c-fdb4c8cd1a84',
    correlationId: 'c-1',
    record: { total: id },
    error: { kind: 'invalid', message: 'total must equal the sum' },
    attempts: 1,
    generation: 0,
    status: 'pending',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

// Five dead letters, ids 5..1 newest first, two a page; the cursor is the last id seen.
const paths: string[] = [];
beforeEach(() => {
  paths.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      paths.push(path);
      const url = new URL(path, 'http://x');
      const cursor = Number(url.searchParams.get('cursor') ?? 6);
      const ids = [5, 4, 3, 2, 1].filter((id) => id < cursor).slice(0, 2);
      const last = ids.at(-1);
      const nextCursor = last !== undefined && last > 1 ? String(last) : null;
      return new Response(JSON.stringify({ items: ids.map(deadLetter), nextCursor }), { status: 200 });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

function wrapper({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{children}</QueryClientProvider>;
}

describe('useDeadLetters', () => {
  it('pages through with the cursor until the server gives none', async () => {
    const filters: DeadLetterFilters = { flowId: FLOW, status: 'pending', nodeId: 'rules', q: 'total' };
    const { result } = renderHook(() => useDeadLetters(filters), { wrapper });
    await waitFor(() => expect(result.current.data?.map((d) => d.id)).toEqual(['5', '4']));
    expect(result.current.hasNextPage).toBe(true);
    expect(paths[0]).toBe(`/api/flows/${FLOW}/dead-letters?limit=50&status=pending&nodeId=rules&q=total`);

    await act(() => result.current.fetchNextPage());
    await waitFor(() => expect(result.current.data?.map((d) => d.id)).toEqual(['5', '4', '3', '2']));
    expect(paths[1]).toContain('cursor=4');

    await act(() => result.current.fetchNextPage());
    await waitFor(() => expect(result.current.data?.map((d) => d.id)).toEqual(['5', '4', '3', '2', '1']));
    expect(result.current.hasNextPage).toBe(false);
  });

  it('starts over from the first page when the filters change, keeping the old rows meanwhile', async () => {
    const { result, rerender } = renderHook((filters: DeadLetterFilters) => useDeadLetters(filters), {
      wrapper,
      initialProps: { flowId: null, status: 'pending', nodeId: null, q: '' },
    });
    await waitFor(() => expect(result.current.data).toHaveLength(2));
    rerender({ flowId: null, status: 'all', nodeId: null, q: '' });
    expect(result.current.isPlaceholderData).toBe(true);
    await waitFor(() => expect(result.current.isPlaceholderData).toBe(false));
    expect(paths.at(-1)).toBe('/api/dead-letters?limit=50');
  });
});
