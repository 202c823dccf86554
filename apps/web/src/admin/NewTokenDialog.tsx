import { useId, useRef, useState } from 'react';
import type { Role, SessionInfo } from '@sluice/shared';
import { can } from '../auth';
import { Dialog } from '../flows';
import { FlowPicker } from './FlowPicker';
import { CopyIcon } from './icons';
import { grantableRoles, ROLE_LABELS, ROLE_SUMMARIES } from './roles';
import { useCreateToken, type CreatedToken } from './use-create-token';

export interface NewTokenDialogProps {
  /** The signed-in user: decides which roles the token may have and whether flows can be listed. */
  session: SessionInfo;
  onClose: () => void;
}

/**
 * Asks for a name, a role (only those the user may grant) and, for a data producer token, its
 * flows; then shows the new token's secret once, with a Copy button.
 */
export function NewTokenDialog({ session, onClose }: NewTokenDialogProps) {
  const create = useCreateToken();
  const created = create.data;
  return (
    <Dialog
      title={created ? `Copy the token “${created.name}”` : 'New API token'}
      onClose={onClose}
      testId="new-token-dialog"
      description={
        created
          ? undefined
          : 'A token lets a script or another system call the Sluice API as you, with the role you give it. Send it as an Authorization: Bearer header.'
      }
    >
      {created ? <OneTimeSecret created={created} onDone={onClose} /> : <NewTokenForm session={session} create={create} onCancel={onClose} />}
    </Dialog>
  );
}

function NewTokenForm({ session, create, onCancel }: { session: SessionInfo; create: ReturnType<typeof useCreateToken>; onCancel: () => void }) {
  const roles = grantableRoles(session);
  const mayListFlows = can(session, 'flows:read');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(session.user.role);
  const [flowIds, setFlowIds] = useState<string[]>([]);
  const [submitted, setSubmitted] = useState(false);
  const id = useId();

  const producer = role === 'data_producer';
  const nameError = submitted && name.trim() === '' ? 'Give the token a name, e.g. what will use it.' : null;
  // Without flows a producer token made by someone who can list flows would reach nothing useful.
  const flowsError = submitted && producer && mayListFlows && flowIds.length === 0 ? 'Pick at least one flow: a producer token can only send records into the flows it is granted.' : null;

  return (
    <form
      className="admin-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setSubmitted(true);
        if (name.trim() === '' || (producer && mayListFlows && flowIds.length === 0)) return;
        create.mutate({ name: name.trim(), role, ...(producer && mayListFlows ? { flowIds } : {}) });
      }}
    >
      <div className={`field${nameError ? ' invalid' : ''}`}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          autoFocus
          value={name}
          maxLength={100}
          placeholder="e.g. nightly export to the warehouse"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${id}-name-error` : undefined}
          onChange={(e) => setName(e.target.value)}
        />
        {nameError && (
          <div className="field-error" id={`${id}-name-error`}>
            {nameError}
          </div>
        )}
      </div>

      <div className="field">
        {roles.length > 1 ? (
          <>
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} aria-describedby={`${id}-role-help`} onChange={(e) => setRole(roles.find((r) => r === e.target.value) ?? role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </>
        ) : (
          <>
            <span className="admin-label">Role</span>
            <div className="admin-static" data-testid="new-token-role">
              {ROLE_LABELS[role]} <span className="muted">(the only role you may give a token)</span>
            </div>
          </>
        )}
        <div className="field-help" id={`${id}-role-help`}>
          {ROLE_SUMMARIES[role]}
        </div>
      </div>

      {producer &&
        (mayListFlows ? (
          <FlowPicker value={flowIds} onChange={setFlowIds} help="The token may send records into these flows only." error={flowsError} />
        ) : (
          <p className="field-help admin-flows-note" data-testid="new-token-flows-note">
            The token may send records into the flows granted to you.
          </p>
        ))}

      {create.error && (
        <div className="error-box" role="alert">
          Could not create the token: {create.error.message}
        </div>
      )}
      <div className="sl-dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending && <span className="spinner" aria-hidden="true" />}
          Create token
        </button>
      </div>
    </form>
  );
}

type CopyState = 'idle' | 'copied' | 'failed';

/** The secret in a read-only field, selected for copying, with the warning that it is shown only now. */
function OneTimeSecret({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');
  const id = useId();

  const copyToClipboard = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard API (not a secure context)');
      await navigator.clipboard.writeText(created.token);
      setCopy('copied');
    } catch {
      // Plain http on another host has no clipboard API: leave the text selected for Ctrl+C.
      input.current?.select();
      setCopy('failed');
    }
  };

  return (
    <>
      <div className="admin-once" role="note">
        <strong>Copy the token now — you will not see it again.</strong> Sluice keeps only a hash of it; if you lose it, revoke it and
        create another.
      </div>
      <label htmlFor={`${id}-secret`}>Token</label>
      <div className="admin-secret">
        <input
          ref={input}
          id={`${id}-secret`}
          className="mono"
          readOnly
          autoFocus
          spellCheck={false}
          value={created.token}
          data-testid="new-token-secret"
          aria-describedby={`${id}-usage`}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copyToClipboard()}>
          <CopyIcon />
          Copy
        </button>
      </div>
      <div className="field-help" id={`${id}-usage`}>
        Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
      </div>
      <div className={`admin-copy-status${copy === 'failed' ? ' failed' : ''}`} role="status" aria-live="polite">
        {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not reach the clipboard: the token is selected, press Ctrl+C (⌘C) to copy it.' : ''}
      </div>
      <div className="sl-dialog-actions">
        <button type="button" className="primary" onClick={onDone}>
          Done
        </button>
      </div>
    </>
  );
}
