// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_PERMISSIONS, type Role, type SessionInfo, type User } from '@sluice/shared';
import { UsersPage } from './UsersPage';

const admin: User = { id: '11111111-1111-4111-8111-111111111111', email: 'admin@example.com', role: 'system_admin', disabled: false, createdAt: '2026-01-01T00:00:00Z' };
const ana: User = { id: '22222222-2222-4222-8222-222222222222', email: 'ana@example.com', role: 'data_consumer', disabled: false, createdAt: '2026-01-02T00:00:00Z' };

let me: User = admin;
let users: User[] = [];
const calls: { method: string; path: string; body: unknown }[] = [];

const sessionOf = (user: User): SessionInfo => ({ user, permissions: [...ROLE_PERMISSIONS[user.role]], csrfToken: 'csrf' });
const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  calls.length = 0;
  me = admin;
  users = [admin, ana];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: input, body });
      if (input === '/api/auth/me') return json(200, sessionOf(me));
      if (method === 'GET' && input === '/api/users') return json(200, users);
      const patch = /^\/api\/users\/(.+)$/.exec(input);
      if (method === 'PATCH' && patch) {
        const change = body as { role?: Role; disabled?: boolean };
        if (patch[1] === me.id && (change.disabled || (change.role && change.role !== 'system_admin'))) {
          return json(409, { error: { code: 'conflict', message: 'you cannot disable or demote yourself; ask another admin' } });
        }
        users = users.map((u) => (u.id === patch[1] ? { ...u, ...change } : u));
        return json(200, users.find((u) => u.id === patch[1]));
      }
      if (method === 'POST' && input === '/api/users') {
        const sent = body as { email: string; role: Role };
        const created: User = { id: '33333333-3333-4333-8333-333333333333', email: sent.email, role: sent.role, disabled: false, createdAt: '2026-01-03T00:00:00Z' };
        users = [...users, created];
        return json(201, created);
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
        <UsersPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('UsersPage', () => {
  it('tells a non-admin they have no access, and asks the server for no users', async () => {
    me = { ...ana, role: 'flow_designer' };
    renderPage();
    expect((await screen.findByTestId('no-access')).textContent).toContain('You do not have access');
    expect(calls.some((c) => c.path === '/api/users')).toBe(false);
  });

  it('lists users with role, status and a "you" mark', async () => {
    renderPage();
    const row = await screen.findByTestId(`user-row-${ana.id}`);
    expect((within(row).getByLabelText('Role of ana@example.com') as HTMLSelectElement).value).toBe('data_consumer');
    expect(within(row).getByTestId('user-status').textContent).toBe('Active');
    expect(within(screen.getByTestId(`user-row-${admin.id}`)).getByText('You')).toBeTruthy();
  });

  it("shows the server's refusal when the admin demotes themselves, and keeps the role shown", async () => {
    renderPage();
    const row = await screen.findByTestId(`user-row-${admin.id}`);
    const select = within(row).getByLabelText('Role of admin@example.com') as HTMLSelectElement;
    fireEvent.change(select, { target: { value: 'data_consumer' } });
    expect((await screen.findByRole('alert')).textContent).toContain('you cannot disable or demote yourself; ask another admin');
    expect(select.value).toBe('system_admin');
  });

  it("shows the server's refusal in the dialog when the admin disables themselves", async () => {
    renderPage();
    const row = await screen.findByTestId(`user-row-${admin.id}`);
    fireEvent.click(within(row).getByRole('button', { name: 'Disable user admin@example.com' }));
    const dialog = await screen.findByTestId('disable-user-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disable user' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('The server refused: you cannot disable or demote yourself');
  });

  it('changes a role, and disables then enables a user', async () => {
    renderPage();
    const row = await screen.findByTestId(`user-row-${ana.id}`);
    fireEvent.change(within(row).getByLabelText('Role of ana@example.com'), { target: { value: 'flow_designer' } });
    expect((await screen.findByTestId('users-notice')).textContent).toContain('ana@example.com is now a flow designer');
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'flow_designer' });

    fireEvent.click(within(row).getByRole('button', { name: 'Disable user ana@example.com' }));
    fireEvent.click(within(await screen.findByTestId('disable-user-dialog')).getByRole('button', { name: 'Disable user' }));
    expect(await within(row).findByRole('button', { name: 'Enable user ana@example.com' })).toBeTruthy();
    expect(within(row).getByTestId('user-status').textContent).toBe('Disabled');
    fireEvent.click(within(row).getByRole('button', { name: 'Enable user ana@example.com' }));
    expect(await within(row).findByRole('button', { name: 'Disable user ana@example.com' })).toBeTruthy();
  });

  it('adds a user only with a password of 12 or more characters', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    const dialog = await screen.findByTestId('add-user-dialog');
    fireEvent.change(within(dialog).getByLabelText('Email'), { target: { value: 'bo@example.com' } });
    fireEvent.change(within(dialog).getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add user' }));
    expect(within(dialog).getByText('a password needs at least 12 characters')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('Password'), { target: { value: 'a long enough password' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add user' }));
    expect((await screen.findByTestId('users-notice')).textContent).toContain('Added bo@example.com as a data consumer.');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'bo@example.com', password: 'a long enough password', role: 'data_consumer' });
  });
});
