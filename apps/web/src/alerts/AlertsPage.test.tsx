// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_PERMISSIONS, type Alert, type AlertEvent, type Role, type SessionInfo } from '@sluice/shared';
import { AlertsBanner } from './AlertsBanner';
import { AlertsPage } from './AlertsPage';

const FLOW = '00000000-0000-4000-8000-000000000001';
const firing: Alert = {
  id: 7, flowId: FLOW, flowName: 'orders', rule: 'high_error_rate', state: 'firing', value: 0.5, threshold: 0.05, message: 'error rate 50.0% over 300 s',
  since: '2026-01-01T00:00:00Z', firingAt: '2026-01-01T00:02:00Z', resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null, silencedUntil: null, updatedAt: '2026-01-01T00:02:00Z',
};
const event: AlertEvent = { id: 3, alertId: 7, flowId: FLOW, flowName: 'orders', rule: 'high_error_rate', state: 'firing', value: 0.5, threshold: 0.05, message: 'error rate 50.0% over 300 s', at: '2026-01-01T00:02:00Z' };

let role: Role = 'flow_designer';
let alert: Alert = firing;
const calls: { method: string; path: string; body: unknown }[] = [];
const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  calls.length = 0;
  alert = firing;
  role = 'flow_designer';
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: input, body });
      if (input === '/api/auth/me') {
        const session: SessionInfo = { user: { id: FLOW, email: 'ana@example.com', role, disabled: false, createdAt: '2026-01-01T00:00:00Z' }, permissions: [...ROLE_PERMISSIONS[role]], csrfToken: 'csrf' };
        return json(200, session);
      }
      if (input.startsWith('/api/alerts/history')) return json(200, { items: [event], nextCursor: null });
      if (input.startsWith('/api/alerts?')) return json(200, { items: [alert] });
      if (method === 'POST' && input === '/api/alerts/7/acknowledge') {
        alert = { ...alert, acknowledgedAt: '2026-01-01T00:03:00Z', acknowledgedBy: 'ana@example.com' };
        return json(200, alert);
      }
      if (method === 'POST' && input === '/api/alerts/7/silence') {
        alert = { ...alert, silencedUntil: new Date(Date.now() + (body as { minutes: number }).minutes * 60_000).toISOString() };
        return json(200, alert);
      }
      return json(404, { error: { code: 'not_found', message: `no route ${method} ${input}` } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderWithBanner() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <AlertsBanner />
        <AlertsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the alerts page and banner', () => {
  it('shows a firing alert in the banner and the table; acknowledging and silencing call the API and quiet the banner', async () => {
    renderWithBanner();
    expect(await screen.findByTestId('alerts-banner')).toHaveProperty('textContent', expect.stringContaining('High error rate on “orders”'));
    const row = await screen.findByTestId('alert-row-7');
    expect(row.textContent).toContain('50.0% / 5.0%');
    expect(within(await screen.findByTestId('alert-history')).getByText('error rate 50.0% over 300 s')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: 'Acknowledge' }));
    await screen.findByText('ana@example.com', { selector: 'span[title]' });
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/alerts/7/acknowledge')).toBe(true);

    fireEvent.change(within(screen.getByTestId('alert-row-7')).getByRole('combobox'), { target: { value: '60' } });
    await within(await screen.findByTestId('alert-row-7')).findByText('silenced');
    expect(calls.find((c) => c.path === '/api/alerts/7/silence')?.body).toEqual({ minutes: 60 });
    await vi.waitFor(() => expect(screen.queryByTestId('alerts-banner')).toBeNull());
  });

  it('offers no acknowledge or silence to a reader, and no channels section', async () => {
    role = 'data_consumer';
    renderWithBanner();
    // The banner asks for alerts only once the session says the reader may: the session is loaded.
    await screen.findByTestId('alerts-banner');
    const row = await screen.findByTestId('alert-row-7');
    expect(within(row).queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(within(row).queryByRole('combobox')).toBeNull();
    expect(screen.queryByTestId('alert-channels')).toBeNull();
  });
});
