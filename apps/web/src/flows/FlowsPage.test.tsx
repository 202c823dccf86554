// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlowSummary } from '@sluice/shared';
import { FlowsPage } from './FlowsPage';

const deployed: FlowSummary = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'orders',
  description: 'webhook to the warehouse',
  settings: { chunkSize: 200, maxBacklog: 100_000, parallelism: 4, pii: [] },
  status: 'deployed',
  deployedVersion: 2,
  latestVersion: 2,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  deployedAt: '2026-01-01T00:00:00Z',
  nodeCount: 6,
  live: { recordsPerSecond: 41.7, errorRate: 0.0035 },
};
const draft: FlowSummary = { ...deployed, id: '22222222-2222-4222-8222-222222222222', name: 'invoices', description: null, status: 'draft', deployedVersion: null, latestVersion: null, deployedAt: null, nodeCount: 0, live: { recordsPerSecond: 0, errorRate: null } };

type Handler = (method: string, path: string, body: unknown) => { status: number; body?: unknown };
let handler: Handler;
const calls: { method: string; path: string; body: unknown }[] = [];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: input, body });
      const answer = handler(method, input, body);
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <FlowsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('FlowsPage', () => {
  it('lists flows with their status in words and their figures', async () => {
    handler = () => ({ status: 200, body: [deployed, draft] });
    renderPage();
    const row = await screen.findByTestId(`flow-row-${deployed.id}`);
    expect(within(row).getByRole('link', { name: 'orders' }).getAttribute('href')).toBe(`/flows/${deployed.id}`);
    expect(within(row).getByTestId('flow-status').textContent).toBe('Deployed v2');
    expect(within(row).getByTestId('flow-rate').textContent).toBe('42');
    expect(within(row).getByTestId('flow-error-rate').textContent).toBe('0.35%');
    expect(within(screen.getByTestId(`flow-row-${draft.id}`)).getByTestId('flow-status').textContent).toBe('Draft');
    expect(screen.getByRole('button', { name: 'Delete flow orders' })).toBeTruthy();
  });

  it('shows the empty state', async () => {
    handler = () => ({ status: 200, body: [] });
    renderPage();
    expect((await screen.findByTestId('flows-empty')).textContent).toContain('No flows yet — create one or import a JSON export');
  });

  it('shows an error state when the list cannot be loaded', async () => {
    handler = () => ({ status: 503, body: { error: { code: 'unavailable', message: 'database is down' } } });
    renderPage();
    expect((await screen.findByRole('alert')).textContent).toContain('database is down');
  });

  it('refuses a bad import file, naming the field, without calling the API', async () => {
    handler = () => ({ status: 200, body: [deployed] });
    renderPage();
    await screen.findByTestId(`flow-row-${deployed.id}`);
    const file = new File([JSON.stringify({ name: 'x', nodes: [{ id: 'bad id', type: 't' }], edges: [] })], 'broken.sluice.json', { type: 'application/json' });
    fireEvent.change(screen.getByLabelText('Import flow'), { target: { files: [file] } });
    const notice = await screen.findByTestId('flows-notice');
    expect(notice.textContent).toContain('broken.sluice.json is not a Sluice flow export');
    expect(notice.textContent).toContain('nodes[0].id: use letters, digits');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('imports a good file as a new flow', async () => {
    handler = (method) => (method === 'POST' ? { status: 201, body: { ...deployed, id: '33333333-3333-4333-8333-333333333333', name: 'copy' } } : { status: 200, body: [deployed] });
    renderPage();
    await screen.findByTestId(`flow-row-${deployed.id}`);
    const exported = { name: 'copy', nodes: [{ id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } }], edges: [], settings: { chunkSize: 50 } };
    fireEvent.change(screen.getByLabelText('Import flow'), { target: { files: [new File([JSON.stringify(exported)], 'copy.sluice.json')] } });
    expect((await screen.findByTestId('flows-notice')).textContent).toContain('Imported “copy”');
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ method: 'POST', path: '/api/flows', body: exported });
  });

  it('shows the server’s refusal when deleting a deployed flow', async () => {
    handler = (method) =>
      method === 'DELETE'
        ? { status: 409, body: { error: { code: 'conflict', message: 'flow "orders" is deployed; stop it before deleting it' } } }
        : { status: 200, body: [deployed] };
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Delete flow orders' }));
    const dialog = await screen.findByTestId('delete-flow-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete flow' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('stop it before deleting it');
  });

  it('renames with the saved graph, changing only the name', async () => {
    const saved = { ...deployed, description: null, graph: { name: 'orders', nodes: [], edges: [] } };
    handler = (method, path) =>
      path === `/api/flows/${deployed.id}` ? { status: 200, body: method === 'PUT' ? { ...saved, name: 'orders EU' } : saved } : { status: 200, body: [deployed] };
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Rename flow orders' }));
    const dialog = await screen.findByTestId('rename-flow-dialog');
    fireEvent.change(within(dialog).getByLabelText('Flow name'), { target: { value: 'orders EU' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ name: 'orders EU', nodes: [], edges: [], settings: deployed.settings }));
  });
});
