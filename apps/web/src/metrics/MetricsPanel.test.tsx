// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlowMetrics } from '@sluice/shared';
import { MetricsPanel } from './MetricsPanel';

const FLOW = '11111111-1111-4111-8111-111111111111';

function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status })));
}
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPanel() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <MetricsPanel flowId={FLOW} />
    </QueryClientProvider>,
  );
}

describe('MetricsPanel', () => {
  it('asks for the last 15 minutes and says when there is nothing yet', async () => {
    const empty: FlowMetrics = {
      flowId: FLOW,
      stepSeconds: 5,
      from: 0,
      to: 900_000,
      points: [{ t: 0, recordsPerSecond: 0, deliveredPerSecond: 0, latencyP50: null, latencyP95: null, latencyP99: null, errorRate: null, validationPassRate: null }],
    };
    answer(200, empty);
    renderPanel();
    expect((await screen.findByTestId('metrics-empty')).textContent).toContain('No data in the last 15 minutes');
    expect(vi.mocked(fetch).mock.calls[0]?.[0]).toBe(`/api/flows/${FLOW}/metrics?minutes=15`);
    expect(screen.getByTestId('metrics-panel').textContent).toContain('Exact delivered and dead-lettered figures come from the tables');
  });

  it('shows the error', async () => {
    answer(404, { error: { code: 'not_found', message: `no flow with id ${FLOW}` } });
    renderPanel();
    expect((await screen.findByRole('alert')).textContent).toContain(`no flow with id ${FLOW}`);
  });
});
