// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeadLetter, Flow, FlowSummary } from '@sluice/shared';
import { DeadLettersPage } from './DeadLettersPage';

// The live feed: a store whose socket never connects.
vi.mock('../live/stats-store', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../live/stats-store')>();
  const { io } = await import('socket.io-client');
  return { ...mod, statsStore: new mod.StatsStore(() => io('http://127.0.0.1:9', { autoConnect: false })) };
});

const FLOW = '11111111-1111-4111-8111-111111111111';
const summary: FlowSummary = {
  id: FLOW,
  name: 'orders',
  description: null,
  settings: { chunkSize: 200, maxBacklog: 100_000, parallelism: 4, pii: [] },
  status: 'deployed',
  deployedVersion: 1,
  latestVersion: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  deployedAt: '2026-01-01T00:00:00Z',
  nodeCount: 2,
  live: { recordsPerSecond: 0, errorRate: null },
};
const flow: Flow = {
  ...summary,
  graph: {
    name: 'orders',
    nodes: [
      { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
      { id: 'rules', type: 'validate.rules', config: {}, position: { x: 0, y: 0 }, label: 'Order rules' },
    ],
    edges: [],
  },
};
const letter = (id: string, over: Partial<DeadLetter> = {}): DeadLetter => ({
  id,
  flowId: FLOW,
  nodeId: 'rules',
  version: 1,
  recordId: '01a21647-caea-75f2-b40c-fdb4c8cd1a84',
  correlationId: `corr-${id}`,
  record: { order_id: `o-${id}`, total: 10 },
  error: { kind: 'invalid', message: 'broke 1 of 1 rule', failures: [{ rule: 'total_matches_items', message: 'total must equal the sum of price × qty' }] },
  attempts: 1,
  generation: 0,
  status: 'pending',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...over,
});

const calls: { method: string; path: string; body: unknown }[] = [];
let rows: DeadLetter[];

beforeEach(() => {
  calls.length = 0;
  rows = [letter('3'), letter('2'), letter('1', { status: 'retried' })];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path, body });
      const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status });
      if (path === '/api/flows') return json([summary]);
      if (path === `/api/flows/${FLOW}`) return json(flow);
      if (path.startsWith(`/api/flows/${FLOW}/dead-letters`)) return json({ items: rows, nextCursor: null });
      if (path === '/api/dead-letters/retry') return json({ count: 1 });
      const one = /^\/api\/dead-letters\/(\d+)$/.exec(path);
      if (one) return json(rows.find((r) => r.id === one[1]));
      return json({ error: { code: 'not_found', message: `nothing at ${path}` } }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderAt(url: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/flows/:flowId/dead-letters" element={<DeadLettersPage />} />
          <Route path="/dead-letters" element={<DeadLettersPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('DeadLettersPage', () => {
  it('lists pending dead letters of the flow, with node choices from its graph', async () => {
    renderAt(`/flows/${FLOW}/dead-letters`);
    const row = await screen.findByTestId('dead-letter-row-3');
    expect(row.textContent).toContain('rules');
    expect(row.textContent).toContain('broke 1 of 1 rule');
    expect(calls.some((c) => c.path === `/api/flows/${FLOW}/dead-letters?limit=50&status=pending`)).toBe(true);
    await waitFor(() => expect(screen.getByRole('option', { name: 'rules — Order rules' })).toBeTruthy());
    // A retried one cannot be selected again.
    expect(within(screen.getByTestId('dead-letter-row-1')).getByRole('checkbox').hasAttribute('disabled')).toBe(true);
  });

  it('retries the selected ones and shows them as retried where they stand', async () => {
    renderAt(`/flows/${FLOW}/dead-letters`);
    const row = await screen.findByTestId('dead-letter-row-3');
    const retry = screen.getByRole('button', { name: 'Retry selected' });
    expect(retry.hasAttribute('disabled')).toBe(true);
    fireEvent.click(within(row).getByRole('checkbox'));
    fireEvent.click(retry);
    await waitFor(() => expect(screen.getByTestId('dead-letter-row-3').getAttribute('data-status')).toBe('retried'));
    expect(calls.find((c) => c.path === '/api/dead-letters/retry')?.body).toEqual({ ids: ['3'] });
    expect(screen.getByTestId('dead-letters-notice').textContent).toContain('Retried 1 dead letter');
    expect(screen.getByTestId('dead-letter-row-2').getAttribute('data-status')).toBe('pending');
  });

  it('retries every pending one of the node filtered, after confirming', async () => {
    renderAt(`/flows/${FLOW}/dead-letters?node=rules`);
    await screen.findByTestId('dead-letter-row-3');
    fireEvent.click(screen.getByRole('button', { name: /^Retry all pending/ }));
    const dialog = await screen.findByTestId('confirm-retry-all');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Retry all pending' }));
    await waitFor(() => expect(calls.find((c) => c.path === '/api/dead-letters/retry')?.body).toEqual({ flowId: FLOW, all: true, nodeId: 'rules' }));
  });

  it('opens a dead letter with its error, ids and record', async () => {
    renderAt(`/flows/${FLOW}/dead-letters?open=2`);
    const drawer = await screen.findByTestId('dead-letter-drawer');
    await within(drawer).findByText('total must equal the sum of price × qty');
    expect(within(drawer).getByText('corr-2')).toBeTruthy();
    expect(within(drawer).getByTestId('record-editor').textContent).toContain('"order_id": "o-2"');
    fireEvent.click(within(drawer).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(calls.find((c) => c.path === '/api/dead-letters/retry')?.body).toEqual({ ids: ['2'] }));
  });
});
