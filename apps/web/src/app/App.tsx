import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, NavLink, Outlet, RouterProvider } from 'react-router';
import { queryClient } from '../api/query-client';
import { FlowsPage } from '../flows';
import { FlowEditorPage } from '../canvas';
import { DeadLettersPage } from '../dead-letters';
import { RunsPage } from '../runs';
import { ServerStatusBanner } from './ServerStatusBanner';
import { can, SignInPage, useSession, useSignOut } from '../auth';
import { TokensPage, UsersPage } from '../admin';
import { AuditPage } from '../audit';
import { SecretsPage } from '../secrets';
import { AlertsBanner, AlertsPage } from '../alerts';
import { WorkersPage } from '../workers';

function UserMenu() {
  const { data: session } = useSession();
  const signOut = useSignOut();
  if (!session) return null;
  return (
    <div className="app-user">
      <span data-testid="signed-in-as" title={session.user.role}>
        {session.user.email} · {session.user.role.replace('_', ' ')}
      </span>
      <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        Sign out
      </button>
    </div>
  );
}

/** The app for a signed-in user; the sign-in page for anyone else. */
function Gate() {
  const session = useSession();
  if (session.isPending) return <p className="empty"><span className="spinner" /> Loading…</p>;
  if (session.isError) {
    return (
      <div className="page">
        <div className="error-box" role="alert">The Sluice server cannot be reached ({session.error.message}). Reload to try again.</div>
      </div>
    );
  }
  if (!session.data) return <SignInPage />;
  return <RouterProvider router={router} />;
}

function Layout() {
  const { data: session } = useSession();
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
          {can(session, 'flows:read') && <NavLink to="/alerts">Alerts</NavLink>}
          {can(session, 'flows:read') && <NavLink to="/workers">Workers</NavLink>}
          {can(session, 'tokens:own') && <NavLink to="/tokens">API tokens</NavLink>}
          {can(session, 'users:manage') && <NavLink to="/users">Users</NavLink>}
          {can(session, 'audit:read') && <NavLink to="/audit">Audit log</NavLink>}
          {can(session, 'secrets:manage') && <NavLink to="/secrets">Secrets</NavLink>}
        </nav>
        <UserMenu />
      </header>
      <ServerStatusBanner />
      <AlertsBanner />
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
      { path: '/flows/:flowId/runs', element: <RunsPage /> },
      { path: '/dead-letters', element: <DeadLettersPage /> },
      { path: '/alerts', element: <AlertsPage /> },
      { path: '/workers', element: <WorkersPage /> },
      { path: '/tokens', element: <TokensPage /> },
      { path: '/users', element: <UsersPage /> },
      { path: '/audit', element: <AuditPage /> },
      { path: '/secrets', element: <SecretsPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Gate />
    </QueryClientProvider>
  );
}
