import { useId, useState, type FormEvent, type ReactElement } from 'react';

export interface SignInFormProps {
  onSubmit: (email: string, password: string) => Promise<void>;
}

/** Email and password; the server's message is announced when sign-in fails. */
export function SignInForm({ onSubmit }: SignInFormProps): ReactElement {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailId = useId();
  const passwordId = useId();
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(email.trim(), password);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-describedby={error ? `${emailId}-error` : undefined}>
      <div className="field">
        <label htmlFor={emailId}>Email</label>
        <input id={emailId} className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={passwordId}>Password</label>
        <input id={passwordId} className="input" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      {error && (
        <p id={`${emailId}-error`} role="alert" className="error-text">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
