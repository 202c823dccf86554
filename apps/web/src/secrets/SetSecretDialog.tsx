import { useId, useState } from 'react';
import { SecretNameSchema } from '@sluice/shared';
import { Dialog } from '../flows';
import { useSetSecret } from './use-set-secret';

/**
 * Sets a secret's value: a new secret (name and value) or, given `name`, a replacement value. The
 * value field is a password field and is never filled from the server.
 */
export function SetSecretDialog({ name: fixedName, onClose, onSaved }: { name?: string; onClose: () => void; onSaved: (name: string) => void }) {
  const setSecret = useSetSecret();
  const [name, setName] = useState(fixedName ?? '');
  const [value, setValue] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const id = useId();
  const nameCheck = SecretNameSchema.safeParse(name);
  const nameError = submitted && !nameCheck.success ? (name === '' ? 'Give the secret a name, e.g. crm-token.' : nameCheck.error.issues[0]?.message ?? 'not a valid name') : null;
  const valueError = submitted && value === '' ? 'Enter the value to keep in the vault.' : null;

  return (
    <Dialog
      title={fixedName ? `Replace “${fixedName}”` : 'New secret'}
      onClose={onClose}
      testId="set-secret-dialog"
      description={
        fixedName
          ? 'The new value replaces the old one for every flow that references this secret, from the next records they run.'
          : 'Flows reference it by name ({ "$secret": name }, or the key button next to a field); the value is stored encrypted and never shown again.'
      }
    >
      <form
        className="admin-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(true);
          if (!nameCheck.success || value === '') return;
          setSecret.mutate({ name, value }, { onSuccess: () => onSaved(name) });
        }}
      >
        {!fixedName && (
          <div className={`field${nameError ? ' invalid' : ''}`}>
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              autoFocus
              value={name}
              maxLength={100}
              spellCheck={false}
              autoComplete="off"
              placeholder="e.g. crm-token"
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? `${id}-name-error` : undefined}
              onChange={(e) => setName(e.target.value.trim())}
            />
            {nameError && (
              <div className="field-error" id={`${id}-name-error`}>
                {nameError}
              </div>
            )}
          </div>
        )}
        <div className={`field${valueError ? ' invalid' : ''}`}>
          <label htmlFor={`${id}-value`}>Value</label>
          <input
            id={`${id}-value`}
            type="password"
            autoFocus={Boolean(fixedName)}
            value={value}
            maxLength={16_384}
            spellCheck={false}
            autoComplete="new-password"
            aria-invalid={valueError ? true : undefined}
            aria-describedby={valueError ? `${id}-value-error` : undefined}
            onChange={(e) => setValue(e.target.value)}
          />
          {valueError && (
            <div className="field-error" id={`${id}-value-error`}>
              {valueError}
            </div>
          )}
        </div>
        {setSecret.error && (
          <div className="error-box" role="alert">
            Could not save the secret: {setSecret.error.message}
          </div>
        )}
        <div className="sl-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={setSecret.isPending}>
            {setSecret.isPending && <span className="spinner" aria-hidden="true" />}
            {fixedName ? 'Replace value' : 'Save secret'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
