import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, NavLink, Outlet, RouterProvider } from 'react-router';
import { queryClient } from '../api/query-client';
import { FlowsPage } from '../flows';
import { FlowEditorPage } from '../canvas';
import { DeadLettersPage } from '../dead-letters';
import { ServerStatusBanner } from './ServerStatusBanner';

function Layout() {
  return (
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
        <Outlet />
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <p className="empty">
      There is nothing at this address. <NavLink to="/">Back to the flows</NavLink>
    </p>
  );
}

// A data router, so that the editor's leave guard (useBlocker) also catches the back button.
const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <FlowsPage /> },
      { path: '/flows/:flowId', element: <FlowEditorPage /> },
      { path: '/flows/:flowId/dead-letters', element: <DeadLettersPage /> },
      { path: '/dead-letters', element: <DeadLettersPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
