// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Flow, Run, RunPage } from '@sluice/shared';
import { RunsPage } from './RunsPage';

const FLOW = '11111111-1111-4111-8111-111111111111';
const flow: Flow = {
  id: FLOW,
  name: 'nightly orders',
  description: null,
  settings: { chunkSize: 5000, maxBacklog: 100_000, parallelism: 4, pii: [] },
  status: 'deployed',
  deployedVersion: 1,
  latestVersion: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  deployedAt: '2026-01-01T00:00:00Z',
  graph: { name: 'nightly orders', nodes: [], edges: [] },
};
const run = (id: string, over: Partial<Run>): Run => ({
  id: `0190a0a0-0000-7000-8000-00000000000${id}`,
  flowId: FLOW,
  nodeId: 'orders',
  version: 1,
  trigger: 'schedule',
  scheduledFor: null,
  status: 'succeeded',
  startedAt: '2026-01-01T02:00:00Z',
  finishedAt: '2026-01-01T02:00:42Z',
  durationMs: 42_000,
  expected: 100_000,
  fetched: 100_000,
  delivered: 99_990,
  deadLettered: 10,
  missing: 0,
  missingKeys: [],
  inFlight: 0,
  pages: 20,
  watermarkFrom: null,
  watermarkTo: null,
  error: null,
  ...over,
});

const calls: { method: string; path: string; body: unknown }[] = [];
let page: RunPage;

beforeEach(() => {
  calls.length = 0;
  page = {
    sources: [
      { nodeId: 'orders', type: 'source.postgres', mode: 'pull', schedule: '0 2 * * *', timezone: 'Europe/Paris', canRetryMissing: true },
      { nodeId: 'csv', type: 'source.file', mode: 'file', schedule: null, timezone: null, canRetryMissing: false },
    ],
    items: [run('2', { status: 'incomplete', fetched: 99_997, delivered: 99_997, deadLettered: 0, missing: 3, missingKeys: [17, 4242, 99_001], error: '3 of 100000 records were not fetched' }), run('1', {})],
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, path, body: typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body });
      const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status });
      if (path === `/api/flows/${FLOW}`) return json(flow);
      if (path.startsWith(`/api/flows/${FLOW}/runs?`)) return json(page);
      if (path === `/api/flows/${FLOW}/runs` && method === 'POST') return json({ error: { code: 'conflict', message: 'the previous run of "orders" is still going' } }, 409);
      if (path.endsWith('/retry-missing')) return json({ ...page.items[0], status: 'running' });
      if (path.startsWith(`/api/flows/${FLOW}/files`)) return json(run('3', { trigger: 'file', nodeId: 'csv', fetched: 1200, deadLettered: 2 }), 201);
      return json({ error: { code: 'not_found', message: `nothing at ${path}` } }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={[`/flows/${FLOW}/runs`]}>
        <Routes>
          <Route path="/flows/:flowId/runs" element={<RunsPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('RunsPage', () => {
  it('lists runs with their counts and completeness, and the sources with their schedule', async () => {
    renderPage();
    const rows = await screen.findAllByTestId('run-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('Incomplete');
    expect(rows[0]!.textContent).toContain('3 missing of 100,000');
    expect(rows[0]!.textContent).toContain('17, 4242, 99001');
    expect(rows[1]!.textContent).toContain('Succeeded');
    expect(rows[1]!.textContent).toContain('99,990');
    expect(rows[1]!.textContent).toContain('42 s');
    expect(screen.getByText(/Schedule 0 2 \* \* \* \(Europe\/Paris\) · next/)).toBeTruthy();
  });

  it('retries the missing keys of an incomplete run, and says why a run cannot start', async () => {
    renderPage();
    const [incomplete] = await screen.findAllByTestId('run-row');
    fireEvent.click(within(incomplete!).getByRole('button', { name: 'Retry missing' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === `/api/flows/${FLOW}/runs/${page.items[0]!.id}/retry-missing`)).toBe(true));
    expect((await screen.findByTestId('runs-notice')).textContent).toContain('Fetching the 3 missing records');

    fireEvent.click(screen.getByTestId('run-orders'));
    await waitFor(() => expect(screen.getByTestId('runs-notice').textContent).toContain('still going'));
    expect(calls.find((c) => c.method === 'POST' && c.path === `/api/flows/${FLOW}/runs`)?.body).toEqual({ nodeId: 'orders' });
  });

  it('uploads a file to the file source as the raw body', async () => {
    renderPage();
    const input = (await screen.findByTestId('file-csv')) as HTMLInputElement;
    const file = new File(['id,name\n1,a\n'], 'orders.csv', { type: 'text/csv' });
    fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('runs-notice').textContent).toContain('Took in orders.csv: 1,200 lines, 2 of them unreadable'));
    const sent = calls.find((c) => c.path === `/api/flows/${FLOW}/files?source=csv`);
    expect(sent?.method).toBe('POST');
    expect(sent?.body).toBeInstanceOf(Blob);
  });
});
