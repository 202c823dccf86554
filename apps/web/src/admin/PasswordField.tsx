import { useState } from 'react';
import { generatePassword } from './password';

export interface PasswordFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** A validation message; marks the field invalid. */
  error: string | null;
  onBlur?: () => void;
  autoFocus?: boolean;
}

/**
 * A new password for someone else: hidden by default, with Show and Generate (a generated password
 * is shown, so that the admin can pass it on).
 */
export function PasswordField({ id, label, value, onChange, error, onBlur, autoFocus }: PasswordFieldProps) {
  const [visible, setVisible] = useState(false);
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="admin-password">
        <input
          id={id}
          type={visible ? 'text' : 'password'}
          className={visible ? 'mono' : undefined}
          autoComplete="new-password"
          spellCheck={false}
          autoFocus={autoFocus}
          value={value}
          maxLength={1024}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
          onChange={(e) => onChange(e.target.value)}
          onBlur={onBlur}
        />
        <button type="button" aria-pressed={visible} aria-controls={id} onClick={() => setVisible((v) => !v)}>
          {visible ? 'Hide' : 'Show'}
        </button>
        <button
          type="button"
          aria-controls={id}
          onClick={() => {
            onChange(generatePassword());
            setVisible(true);
          }}
        >
          Generate
        </button>
      </div>
      <div className="field-help" id={`${id}-help`}>
        At least 12 characters{value.length > 0 && value.length < 12 ? ` (${value.length} so far)` : ''}.
      </div>
      {error && (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}
