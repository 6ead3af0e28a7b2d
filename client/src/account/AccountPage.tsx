import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { ApiKeysPanel } from '../admin/ApiKeysPanel.tsx';
import { useSession } from '../auth/use-session.ts';
import { formatDate } from '../common/format.ts';
import { useMutation, useQuery } from '../common/use-graphql.ts';
import { CHANGE_PASSWORD_MUTATION } from './documents/change-password.mutation.ts';
import { MY_SESSIONS_QUERY } from './documents/my-sessions.query.ts';
import { REVOKE_SESSION_MUTATION } from './documents/revoke-session.mutation.ts';

function ChangePassword(): ReactElement {
  const change = useMutation(CHANGE_PASSWORD_MUTATION);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const ids = { current: useId(), next: useId(), repeat: useId() };
  const mismatch = repeat !== '' && next !== repeat;
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setDone(false);
    if (mismatch) return;
    if (await change.run({ currentPassword: current, newPassword: next })) {
      setDone(true);
      setCurrent('');
      setNext('');
      setRepeat('');
    }
  };
  return (
    <section className="panel" aria-labelledby="password-title">
      <h3 id="password-title">Change password</h3>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={ids.current}>Current password</label>
            <input id={ids.current} className="input" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.next}>New password (at least 8 characters)</label>
            <input id={ids.next} className="input" type="password" autoComplete="new-password" minLength={8} required value={next} onChange={(e) => setNext(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.repeat}>Repeat the new password</label>
            <input id={ids.repeat} className="input" type="password" autoComplete="new-password" required value={repeat} aria-invalid={mismatch || undefined} onChange={(e) => setRepeat(e.target.value)} />
          </div>
        </div>
        {mismatch && <p className="error-text">The new passwords differ.</p>}
        {change.error && (
          <p role="alert" className="error-text">
            {change.error}
          </p>
        )}
        <p role="status" aria-live="polite">
          {done ? 'Password changed; your other sessions have ended.' : ''}
        </p>
        <button type="submit" className="button button-primary" disabled={change.busy || mismatch}>
          Change password
        </button>
      </form>
    </section>
  );
}

function Sessions(): ReactElement {
  const sessions = useQuery(MY_SESSIONS_QUERY, {});
  const revoke = useMutation(REVOKE_SESSION_MUTATION);
  const [message, setMessage] = useState('');
  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h3 id="sessions-title">My sessions</h3>
      <p role="status" aria-live="polite">
        {message}
      </p>
      {(sessions.error ?? revoke.error) && (
        <p role="alert" className="error-text">
          {sessions.error ?? revoke.error}
        </p>
      )}
      <div className="table-scroll">
        <table>
          <caption className="sr-only">Open sessions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Signed in</th>
              <th scope="col">Address</th>
              <th scope="col">Browser</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(sessions.data?.mySessions ?? []).map((s) => (
              <tr key={s.id}>
                <td>{formatDate(s.createdAt)}</td>
                <td>{s.ip ?? '—'}</td>
                <td>{s.userAgent ?? '—'}</td>
                <td>
                  {s.current ? (
                    <span className="badge badge-muted">this session</span>
                  ) : (
                    <button
                      type="button"
                      className="button button-small"
                      onClick={async () => {
                        if ((await revoke.run({ id: s.id })) !== null) {
                          setMessage(`Ended the session from ${formatDate(s.createdAt)}.`);
                          sessions.reload();
                        }
                      }}
                    >
                      End session from {formatDate(s.createdAt)}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function AccountPage(): ReactElement {
  const session = useSession();
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">My account</h2>
      </div>
      <p>
        Signed in as <strong>{session?.user.email}</strong> with the role <strong data-testid="account-role">{session?.user.role}</strong>.
      </p>
      <ChangePassword />
      <Sessions />
      <ApiKeysPanel scope="mine" />
    </>
  );
}
