import { useState, type FormEvent } from 'react';
import { useSignIn } from './use-session';

/** The sign-in form: shown instead of the app while nobody is signed in. */
export function SignInPage() {
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <div className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="sign-in-brand">
          <span className="brand-mark" aria-hidden="true" />
          <h1 id="sign-in-title">Sign in to Sluice</h1>
        </div>
        <div className="field">
          <label htmlFor="sign-in-email">Email</label>
          <input id="sign-in-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="sign-in-password">Password</label>
          <input id="sign-in-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {signIn.isError && (
          <div className="error-box" role="alert" data-testid="sign-in-error">
            {signIn.error.message}
          </div>
        )}
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted sign-in-help">
          First start? The admin's password was printed by <code>npm start</code> and saved in <code>.sluice/initial-admin-password</code>.
        </p>
      </form>
    </div>
  );
}
