// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_PERMISSIONS, type FlowSummary, type Role, type SessionInfo } from '@sluice/shared';
import { NewTokenDialog } from './NewTokenDialog';
import { tokensKey } from './use-tokens';

const SECRET = 'slc_0123456789abcdefghijklmnopqrstuvwxyzABCD';
const orders = { id: '11111111-1111-4111-8111-111111111111', name: 'orders' };
const invoices = { id: '22222222-2222-4222-8222-222222222222', name: 'invoices' };

function sessionOf(role: Role): SessionInfo {
  return {
    user: { id: '99999999-9999-4999-8999-999999999999', email: `${role}@example.com`, role, disabled: false, createdAt: '2026-01-01T00:00:00Z' },
    permissions: [...ROLE_PERMISSIONS[role]],
    csrfToken: 'csrf',
  };
}

function summary(flow: { id: string; name: string }): FlowSummary {
  return {
    ...flow,
    description: null,
    settings: { chunkSize: 200, maxBacklog: 100_000, parallelism: 4, pii: [] },
    status: 'draft',
    deployedVersion: null,
    latestVersion: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    deployedAt: null,
    nodeCount: 0,
    live: { recordsPerSecond: 0, errorRate: null },
  };
}

const calls: { method: string; path: string; body: unknown }[] = [];
const writeText = vi.fn(async (_text: string) => {});

beforeEach(() => {
  calls.length = 0;
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: input, body });
      const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
      if (method === 'GET' && input === '/api/flows') return json(200, [summary(orders), summary(invoices)]);
      if (method === 'GET' && input === '/api/tokens') return json(200, []);
      if (method === 'POST' && input === '/api/tokens') {
        const sent = body as { name: string; role: Role; flowIds?: string[] };
        return json(201, { id: '33333333-3333-4333-8333-333333333333', name: sent.name, role: sent.role, flowIds: sent.flowIds ?? [], createdAt: '2026-01-02T00:00:00Z', lastUsedAt: null, revokedAt: null, token: SECRET });
      }
      return json(404, { error: { code: 'not_found', message: `no route ${method} ${input}` } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderDialog(role: Role) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  // A cached (empty) list, as when the dialog opens from the tokens page: creation must not write the secret into it.
  qc.setQueryData(tokensKey, []);
  const onClose = vi.fn();
  const { unmount } = render(
    <QueryClientProvider client={qc}>
      <NewTokenDialog session={sessionOf(role)} onClose={onClose} />
    </QueryClientProvider>,
  );
  return { qc, onClose, unmount, dialog: screen.getByTestId('new-token-dialog') };
}

const roleChoices = (dialog: HTMLElement) =>
  within(within(dialog).getByLabelText('Role'))
    .getAllByRole('option')
    .map((o) => (o as HTMLOptionElement).value);

describe('NewTokenDialog role choices', () => {
  it('offers an admin every role', () => {
    const { dialog } = renderDialog('system_admin');
    expect(roleChoices(dialog)).toEqual(['system_admin', 'flow_designer', 'data_consumer', 'data_producer']);
    expect((within(dialog).getByLabelText('Role') as HTMLSelectElement).value).toBe('system_admin');
  });

  it('offers a flow designer its own role, lower ones and data producer, never system admin', () => {
    const { dialog } = renderDialog('flow_designer');
    expect(roleChoices(dialog)).toEqual(['flow_designer', 'data_consumer', 'data_producer']);
  });

  it('gives a data consumer its own role only, as text rather than a one-option select', () => {
    const { dialog } = renderDialog('data_consumer');
    expect(within(dialog).queryByRole('combobox')).toBeNull();
    expect(within(dialog).getByTestId('new-token-role').textContent).toContain('Data consumer');
  });

  it('lets a data producer (who cannot list flows) make a producer token for its granted flows, without asking for the flows', async () => {
    const { dialog } = renderDialog('data_producer');
    expect(within(dialog).getByTestId('new-token-role').textContent).toContain('Data producer');
    expect(within(dialog).getByTestId('new-token-flows-note').textContent).toContain('flows granted to you');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'shop webhook' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await within(dialog).findByTestId('new-token-secret');
    expect(calls.some((c) => c.path === '/api/flows')).toBe(false);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'shop webhook', role: 'data_producer' });
  });

  it('asks for flows only when the role is data producer, and for at least one', async () => {
    const { dialog } = renderDialog('system_admin');
    expect(within(dialog).queryByRole('group', { name: /Flows/ })).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Role'), { target: { value: 'data_producer' } });
    const flows = await within(dialog).findByRole('group', { name: /Flows/ });
    await within(flows).findByLabelText('invoices');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'orders feed' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(flows).getByText(/Pick at least one flow/)).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.click(within(flows).getByLabelText('orders'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await within(dialog).findByTestId('new-token-secret');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'orders feed', role: 'data_producer', flowIds: [orders.id] });
  });

  it('refuses an empty name without calling the server', () => {
    const { dialog } = renderDialog('flow_designer');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(dialog).getByText(/Give the token a name/)).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });
});

describe('NewTokenDialog one-time secret', () => {
  it('shows the secret once, read-only, with a Copy button and the warning; the cache never holds it', async () => {
    const { dialog, qc, onClose, unmount } = renderDialog('flow_designer');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'dashboards' } });
    fireEvent.change(within(dialog).getByLabelText('Role'), { target: { value: 'data_consumer' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));

    const secret = (await within(dialog).findByTestId('new-token-secret')) as HTMLInputElement;
    expect(secret.value).toBe(SECRET);
    expect(secret.readOnly).toBe(true);
    expect(within(dialog).getByLabelText('Token')).toBe(secret);
    expect(within(dialog).getByRole('heading').textContent).toBe('Copy the token “dashboards”');
    expect(within(dialog).getByRole('note').textContent).toContain('you will not see it again');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'dashboards', role: 'data_consumer' });

    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(SECRET));
    expect((await within(dialog).findByRole('status')).textContent).toBe('Copied to the clipboard.');

    // The list is refetched rather than patched, so the secret stays in this dialog only.
    const cached = JSON.stringify(qc.getQueryCache().getAll().map((q) => q.state.data));
    expect(cached).not.toContain(SECRET);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(onClose).toHaveBeenCalled();
    // Once the dialog is gone, so is the mutation that carried the secret.
    unmount();
    await waitFor(() => expect(JSON.stringify(qc.getMutationCache().getAll().map((m) => m.state.data))).not.toContain(SECRET));
  });

  it('leaves the secret selected and says so when the clipboard cannot be reached', async () => {
    writeText.mockRejectedValueOnce(new Error('denied'));
    const { dialog } = renderDialog('data_consumer');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'report' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await within(dialog).findByTestId('new-token-secret');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy' }));
    expect((await within(dialog).findByText(/Could not reach the clipboard/)).textContent).toContain('Ctrl+C');
  });
});
