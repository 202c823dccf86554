import { useId, useState } from 'react';
import { EmailSchema, type Role, type User } from '@sluice/shared';
import { Dialog } from '../flows';
import { FlowPicker } from './FlowPicker';
import { checkPassword } from './password';
import { PasswordField } from './PasswordField';
import { ROLE_LABELS, ROLE_SUMMARIES, ROLES } from './roles';
import { useCreateUser } from './use-create-user';

function checkEmail(email: string): string | null {
  if (email.trim() === '') return 'Enter the email address the user signs in with.';
  const result = EmailSchema.safeParse(email);
  return result.success ? null : (result.error.issues[0]?.message ?? 'this email address is not accepted');
}

/** Adds a user: email, first password, role, and for a data producer the flows it may send records into. */
export function AddUserDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (user: User) => void }) {
  const create = useCreateUser();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // The least a new account can do, until the admin chooses more.
  const [role, setRole] = useState<Role>('data_consumer');
  const [flowIds, setFlowIds] = useState<string[]>([]);
  const [touched, setTouched] = useState({ email: false, password: false });
  const id = useId();

  const emailError = touched.email ? checkEmail(email) : null;
  const passwordError = touched.password ? checkPassword(password) : null;
  const producer = role === 'data_producer';

  return (
    <Dialog title="Add user" onClose={onClose} testId="add-user-dialog" description="They sign in with this email and password. Sluice sends no email: hand the password over yourself.">
      <form
        className="admin-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched({ email: true, password: true });
          if (checkEmail(email) || checkPassword(password)) return;
          create.mutate({ email: email.trim(), password, role, ...(producer ? { flowIds } : {}) }, { onSuccess: onAdded });
        }}
      >
        <div className={`field${emailError ? ' invalid' : ''}`}>
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoFocus
            autoComplete="off"
            spellCheck={false}
            value={email}
            maxLength={320}
            placeholder="name@example.com"
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${id}-email-error` : undefined}
            onChange={(e) => setEmail(e.target.value)}
            onBlur={() => setTouched((t) => ({ ...t, email: email !== '' }))}
          />
          {emailError && (
            <div className="field-error" id={`${id}-email-error`}>
              {emailError}
            </div>
          )}
        </div>
        <PasswordField
          id={`${id}-password`}
          label="Password"
          value={password}
          onChange={setPassword}
          error={passwordError}
          onBlur={() => setTouched((t) => ({ ...t, password: password !== '' }))}
        />
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} aria-describedby={`${id}-role-help`} onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          <div className="field-help" id={`${id}-role-help`}>
            {ROLE_SUMMARIES[role]}
          </div>
        </div>
        {producer && (
          <FlowPicker
            value={flowIds}
            onChange={setFlowIds}
            help="The user may send records into these flows only; with none, they can send nothing."
          />
        )}
        {create.error && (
          <div className="error-box" role="alert">
            Could not add the user: {create.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending && <span className="spinner" aria-hidden="true" />}
            Add user
          </button>
        </div>
      </form>
    </Dialog>
  );
}
