import { useId, useState } from 'react';
import type { User } from '@sluice/shared';
import { Dialog } from '../flows';
import { checkPassword } from './password';
import { PasswordField } from './PasswordField';
import { useUpdateUser } from './use-update-user';

/** Sets a new password for a user; every session of theirs ends (yours too, when it is your own). */
export function ResetPasswordDialog({ user, self, onClose, onReset }: { user: User; self: boolean; onClose: () => void; onReset: () => void }) {
  const update = useUpdateUser();
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const error = touched ? checkPassword(password) : null;

  return (
    <Dialog
      title={`Reset the password of ${user.email}`}
      onClose={onClose}
      testId="reset-password-dialog"
      description={
        self
          ? 'This is your own account: you are signed out everywhere, this browser included, and sign in again with the new password.'
          : 'They are signed out everywhere and sign in with the new password. Their API tokens keep working.'
      }
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (checkPassword(password)) return;
          update.mutate({ id: user.id, change: { password } }, { onSuccess: onReset });
        }}
      >
        <PasswordField id={`${id}-password`} label="New password" value={password} onChange={setPassword} error={error} autoFocus onBlur={() => setTouched(password !== '')} />
        {update.error && (
          <div className="error-box" role="alert">
            Could not reset the password: {update.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={update.isPending}>
            {update.isPending && <span className="spinner" aria-hidden="true" />}
            Reset password
          </button>
        </div>
      </form>
    </Dialog>
  );
}
