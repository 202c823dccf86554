import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router';
import { queryClient } from '../api/query-client';
import { FlowsPage } from '../flows';
import { FlowEditorPage } from '../canvas';
import { DeadLettersPage } from '../dead-letters';
import { ServerStatusBanner } from './ServerStatusBanner';

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <div className="app">
          <header className="app-header">
            <NavLink to="/" className="brand" aria-label="Sluice home">
              <span className="brand-mark" aria-hidden="true" />
              Sluice
            </NavLink>
            <nav aria-label="Main">
              <NavLink to="/" end>
                Flows
              </NavLink>
              <NavLink to="/dead-letters">Dead letters</NavLink>
            </nav>
          </header>
          <ServerStatusBanner />
          <main className="app-main">
            <Routes>
              <Route path="/" element={<FlowsPage />} />
              <Route path="/flows/:flowId" element={<FlowEditorPage />} />
              <Route path="/flows/:flowId/dead-letters" element={<DeadLettersPage />} />
              <Route path="/dead-letters" element={<DeadLettersPage />} />
              <Route path="*" element={<p className="empty">There is nothing at this address. <NavLink to="/">Back to the flows</NavLink></p>} />
            </Routes>
          </main>
        </div>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
