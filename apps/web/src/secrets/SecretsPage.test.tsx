// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_PERMISSIONS, type Role, type SecretSummary, type SessionInfo } from '@sluice/shared';
import { SecretsPage } from './SecretsPage';

let role: Role = 'system_admin';
let secrets: SecretSummary[] = [];
const calls: { method: string; path: string; body: unknown }[] = [];

const session = (): SessionInfo => ({
  user: { id: '11111111-1111-4111-8111-111111111111', email: 'admin@example.com', role, disabled: false, createdAt: '2026-01-01T00:00:00Z' },
  permissions: [...ROLE_PERMISSIONS[role]],
  csrfToken: 'csrf',
});
const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  calls.length = 0;
  role = 'system_admin';
  secrets = [{ name: 'crm-token', set: true, updatedAt: '2026-01-02T00:00:00Z', updatedBy: 'admin@example.com' }];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: input, body });
      if (input === '/api/auth/me') return json(200, session());
      if (method === 'GET' && input === '/api/secrets') return json(200, secrets);
      const named = /^\/api\/secrets\/(.+)$/.exec(input);
      if (named && method === 'PUT') {
        const name = decodeURIComponent(named[1]!);
        const existed = secrets.some((s) => s.name === name);
        if (!existed) secrets = [...secrets, { name, set: true, updatedAt: '2026-01-03T00:00:00Z', updatedBy: 'admin@example.com' }];
        return json(existed ? 200 : 201, { name, set: true });
      }
      if (named && method === 'DELETE') {
        secrets = secrets.filter((s) => s.name !== decodeURIComponent(named[1]!));
        return new Response(null, { status: 204 });
      }
      return json(404, { error: { code: 'not_found', message: `no route ${method} ${input}` } });
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
      <MemoryRouter>
        <SecretsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('SecretsPage', () => {
  it('lists secrets as set, with when and by whom, and never a value', async () => {
    renderPage();
    const row = await screen.findByTestId('secret-row-crm-token');
    expect(within(row).getByText('Set')).toBeTruthy();
    expect(within(row).getByText('admin@example.com')).toBeTruthy();
  });

  it('creates a secret with a password field and sends its value once', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'New secret' }));
    const dialog = screen.getByTestId('set-secret-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));
    expect(within(dialog).getByText('Give the secret a name, e.g. crm-token.')).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'warehouse-url' } });
    const value = within(dialog).getByLabelText('Value');
    expect(value.getAttribute('type')).toBe('password');
    fireEvent.change(value, { target: { value: 'postgresql://u:p@db/w' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));
    expect(await screen.findByTestId('secret-row-warehouse-url')).toBeTruthy();
    expect(calls).toContainEqual({ method: 'PUT', path: '/api/secrets/warehouse-url', body: { value: 'postgresql://u:p@db/w' } });
    expect(document.body.textContent).not.toContain('postgresql://u:p@db/w');
  });

  it('replaces a value and deletes a secret after confirming', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Replace the value of crm-token' }));
    const dialog = screen.getByTestId('set-secret-dialog');
    expect(within(dialog).queryByLabelText('Name')).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Value'), { target: { value: 'Bearer new' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replace value' }));
    expect(await screen.findByText('Replaced the value of “crm-token”.')).toBeTruthy();
    expect(calls).toContainEqual({ method: 'PUT', path: '/api/secrets/crm-token', body: { value: 'Bearer new' } });

    fireEvent.click(screen.getByRole('button', { name: 'Delete crm-token' }));
    fireEvent.click(within(screen.getByTestId('delete-secret-dialog')).getByRole('button', { name: 'Delete secret' }));
    expect(await screen.findByTestId('secrets-empty')).toBeTruthy();
  });

  it('tells a flow designer the page is not theirs, without asking for the secrets', async () => {
    role = 'flow_designer';
    renderPage();
    expect(await screen.findByTestId('no-access')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/secrets')).toBe(false);
  });
});
