import { memo } from 'react';
import type { Role, User } from '@sluice/shared';
import { RelativeTime } from '../flows';
import { ROLE_LABELS, ROLES } from './roles';
import { TableHead } from '../app/TableHead';

export interface UserActions {
  onRole: (user: User, role: Role) => void;
  onDisable: (user: User) => void;
  onEnable: (user: User) => void;
  onResetPassword: (user: User) => void;
}

export interface UsersTableProps {
  users: User[];
  /** The signed-in admin, marked "you". */
  selfId: string;
  /** Should be stable: rows are memoised. */
  actions: UserActions;
  /** The user a change is being saved for. */
  busyUserId: string | null;
}

export function UsersTable({ users, selfId, actions, busyUserId }: UsersTableProps) {
  return (
    <div className="admin-table-wrap">
      <table className="table admin-table" data-testid="users-table">
        <TableHead columns={['Email', 'Role', 'Status', 'Created']} />
        <tbody>
          {users.map((user) => (
            <UserRow key={user.id} user={user} self={user.id === selfId} actions={actions} busy={busyUserId === user.id} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const UserRow = memo(function UserRow({ user, self, actions, busy }: { user: User; self: boolean; actions: UserActions; busy: boolean }) {
  return (
    <tr data-testid={`user-row-${user.id}`} className={user.disabled ? 'disabled' : undefined} aria-busy={busy || undefined}>
      <td className="admin-strong admin-wrap">
        {user.email}
        {self && <span className="badge info admin-you">You</span>}
      </td>
      <td>
        <select
          className="admin-role-select"
          aria-label={`Role of ${user.email}`}
          value={user.role}
          disabled={busy}
          onChange={(e) => {
            const role = ROLES.find((r) => r === e.target.value);
            if (role && role !== user.role) actions.onRole(user, role);
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </td>
      <td data-testid="user-status">{user.disabled ? <span className="badge">Disabled</span> : <span className="badge ok">Active</span>}</td>
      <td className="admin-time">
        <RelativeTime iso={user.createdAt} />
      </td>
      <td className="admin-actions">
        {busy && <span className="spinner" role="status" aria-label="Saving" />}
        {user.disabled ? (
          <button type="button" className="ghost small" aria-label={`Enable user ${user.email}`} disabled={busy} onClick={() => actions.onEnable(user)}>
            Enable
          </button>
        ) : (
          <button type="button" className="ghost small danger" aria-label={`Disable user ${user.email}`} disabled={busy} onClick={() => actions.onDisable(user)}>
            Disable
          </button>
        )}
        <button type="button" className="ghost small" aria-label={`Reset the password of ${user.email}`} disabled={busy} onClick={() => actions.onResetPassword(user)}>
          Reset password
        </button>
      </td>
    </tr>
  );
});
