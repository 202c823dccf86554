import { useMemo, useState } from 'react';
import type { SessionInfo, User } from '@sluice/shared';
import { can, useSession } from '../auth';
import { AddUserDialog } from './AddUserDialog';
import { DisableUserDialog } from './DisableUserDialog';
import { PlusIcon } from './icons';
import { LoadingRows } from './LoadingRows';
import { MakeProducerDialog } from './MakeProducerDialog';
import { NoAccess } from './NoAccess';
import { ResetPasswordDialog } from './ResetPasswordDialog';
import { ROLE_LABELS } from './roles';
import { useUpdateUser } from './use-update-user';
import { useUsers } from './use-users';
import { UsersTable, type UserActions } from './UsersTable';
import './admin.css';

type OpenDialog =
  | { kind: 'add' }
  | { kind: 'reset'; user: User }
  | { kind: 'disable'; user: User }
  | { kind: 'producer'; user: User }
  | null;
type Notice = { tone: 'ok' | 'error'; text: string } | null;

/** Above this many users a search box appears. */
const SEARCH_FROM = 10;

/** `/users` (admins only): every user; add one, change a role, disable or enable, reset a password. */
export function UsersPage() {
  const { data: session } = useSession();
  if (!session || !can(session, 'users:manage')) return <NoAccess title="Users" what="the users of this Sluice" />;
  return <Users session={session} />;
}

function Users({ session }: { session: SessionInfo }) {
  const users = useUsers();
  const update = useUpdateUser();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [search, setSearch] = useState('');

  const actions = useMemo<UserActions>(
    () => ({
      onRole: (user, role) => {
        setNotice(null);
        // A producer is nothing without its flows: ask for them with the role.
        if (role === 'data_producer') {
          setDialog({ kind: 'producer', user });
          return;
        }
        update.mutate(
          { id: user.id, change: { role } },
          {
            onSuccess: (changed) => setNotice({ tone: 'ok', text: `${changed.email} is now a ${ROLE_LABELS[changed.role].toLowerCase()}; they were signed out.` }),
            onError: (err) => setNotice({ tone: 'error', text: `Could not change the role of ${user.email}: ${err.message}` }),
          },
        );
      },
      onEnable: (user) => {
        setNotice(null);
        update.mutate(
          { id: user.id, change: { disabled: false } },
          {
            onSuccess: (changed) => setNotice({ tone: 'ok', text: `Enabled ${changed.email}: they can sign in again.` }),
            onError: (err) => setNotice({ tone: 'error', text: `Could not enable ${user.email}: ${err.message}` }),
          },
        );
      },
      onDisable: (user) => setDialog({ kind: 'disable', user }),
      onResetPassword: (user) => setDialog({ kind: 'reset', user }),
    }),
    // mutate is stable; the rows stay memoised across refreshes.
    [update.mutate],
  );

  const all = users.data ?? [];
  const needle = search.trim().toLowerCase();
  const shown = useMemo(() => (needle ? all.filter((u) => u.email.includes(needle)) : all), [all, needle]);
  const disabled = all.filter((u) => u.disabled).length;
  const busyUserId = update.isPending ? (update.variables?.id ?? null) : null;
  const done = (text: string) => {
    setDialog(null);
    setNotice({ tone: 'ok', text });
  };

  return (
    <div className="page admin-page">
      <div className="page-header">
        <div className="admin-title">
          <h1>Users</h1>
          {users.data && (
            <span className="muted admin-count">
              {all.length} {all.length === 1 ? 'user' : 'users'}
              {disabled > 0 && ` · ${disabled} disabled`}
            </span>
          )}
        </div>
        {all.length > SEARCH_FROM && (
          <input type="search" className="admin-search" placeholder="Search by email" aria-label="Search users by email" value={search} onChange={(e) => setSearch(e.target.value)} />
        )}
        <button
          type="button"
          className="primary"
          onClick={() => {
            setNotice(null);
            setDialog({ kind: 'add' });
          }}
        >
          <PlusIcon />
          Add user
        </button>
      </div>
      <p className="admin-intro muted">
        A role decides what a user may do. Changing it, disabling the account or resetting the password signs the user out everywhere.
      </p>

      {notice && (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="users-notice">
          <div className="notice-text">{notice.text}</div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {users.isPending ? (
        <LoadingRows label="Loading users…" />
      ) : users.isError && !users.data ? (
        <div className="error-box admin-error" role="alert">
          <strong>Could not load the users.</strong> {users.error.message}
          <button type="button" className="small" onClick={() => void users.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <>
          <UsersTable users={shown} selfId={session.user.id} actions={actions} busyUserId={busyUserId} />
          {shown.length === 0 && <p className="empty">No users match “{search}”.</p>}
        </>
      )}

      {dialog?.kind === 'add' && (
        <AddUserDialog onClose={() => setDialog(null)} onAdded={(user) => done(`Added ${user.email} as a ${ROLE_LABELS[user.role].toLowerCase()}.`)} />
      )}
      {dialog?.kind === 'reset' && (
        <ResetPasswordDialog
          user={dialog.user}
          self={dialog.user.id === session.user.id}
          onClose={() => setDialog(null)}
          onReset={() => done(`Set a new password for ${dialog.user.email}; they were signed out.`)}
        />
      )}
      {dialog?.kind === 'disable' && (
        <DisableUserDialog user={dialog.user} onClose={() => setDialog(null)} onDisabled={() => done(`Disabled ${dialog.user.email}.`)} />
      )}
      {dialog?.kind === 'producer' && (
        <MakeProducerDialog user={dialog.user} onClose={() => setDialog(null)} onChanged={() => done(`${dialog.user.email} is now a data producer; they were signed out.`)} />
      )}
    </div>
  );
}
