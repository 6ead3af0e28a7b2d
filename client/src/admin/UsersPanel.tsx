import { createColumnHelper } from '@tanstack/react-table';
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import type { Role } from '../auth/session.ts';
import { useSession } from '../auth/use-session.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatDate } from '../common/format.ts';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation } from '../common/use-graphql.ts';
import { CREATE_USER_MUTATION } from './documents/create-user.mutation.ts';
import { DISABLE_USER_MUTATION } from './documents/disable-user.mutation.ts';
import { ENABLE_USER_MUTATION } from './documents/enable-user.mutation.ts';
import { RESET_USER_PASSWORD_MUTATION } from './documents/reset-user-password.mutation.ts';
import { SET_USER_ROLE_MUTATION } from './documents/set-user-role.mutation.ts';
import { USERS_QUERY, type UserRow } from './documents/users.query.ts';

const ROLES: Role[] = ['ADMIN', 'DEVELOPER', 'VIEWER'];

export function UsersPanel(): ReactElement {
  const session = useSession();
  const users = useConnection(USERS_QUERY, {}, (d) => d.users);
  const setRole = useMutation(SET_USER_ROLE_MUTATION);
  const disable = useMutation(DISABLE_USER_MUTATION);
  const enable = useMutation(ENABLE_USER_MUTATION);
  const create = useMutation(CREATE_USER_MUTATION);
  const reset = useMutation(RESET_USER_PASSWORD_MUTATION);
  const [temporary, setTemporary] = useState<{ email: string; password: string } | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setNewRole] = useState<Role>('DEVELOPER');
  const [message, setMessage] = useState('');
  const ids = { email: useId(), password: useId(), role: useId() };

  const column = createColumnHelper<UserRow>();
  const columns = [
    column.accessor('email', { header: 'Email' }),
    column.accessor('role', {
      header: 'Role',
      cell: (c) => {
        const user = c.row.original;
        return (
          <select
            className="input"
            aria-label={`Role of ${user.email}`}
            value={user.role}
            disabled={user.id === session?.user.id}
            onChange={async (e) => {
              const result = await setRole.run({ id: user.id, role: e.target.value as Role });
              if (result) {
                setMessage(`${user.email} is now ${result.setUserRole.role}.`);
                users.reload();
              }
            }}
          >
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        );
      },
    }),
    column.accessor((u) => (u.disabledAt ? 'disabled' : 'active'), { id: 'status', header: 'Status' }),
    column.accessor('lastLoginAt', { header: 'Last sign-in', cell: (c) => formatDate(c.getValue()) }),
    column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
    column.display({
      id: 'actions',
      header: 'Actions',
      cell: (c) => {
        const user = c.row.original;
        if (user.id === session?.user.id) return <span className="muted">you</span>;
        const resetButton = (
          <button
            type="button"
            className="button button-small"
            onClick={async () => {
              const result = await reset.run({ id: user.id });
              if (result?.resetUserPassword.temporaryPassword) setTemporary({ email: user.email, password: result.resetUserPassword.temporaryPassword });
            }}
          >
            Reset password of {user.email}
          </button>
        );
        const toggle = user.disabledAt ? (
          <button
            type="button"
            className="button button-small"
            onClick={async () => {
              if (await enable.run({ id: user.id })) {
                setMessage(`${user.email} is enabled.`);
                users.reload();
              }
            }}
          >
            Enable {user.email}
          </button>
        ) : (
          <button
            type="button"
            className="button button-small"
            onClick={async () => {
              if (await disable.run({ id: user.id })) {
                setMessage(`${user.email} is disabled.`);
                users.reload();
              }
            }}
          >
            Disable {user.email}
          </button>
        );
        return (
          <span className="step-actions">
            {resetButton}
            {toggle}
          </span>
        );
      },
    }),
  ];

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const result = await create.run({ input: { email: email.trim(), password, role } });
    if (result) {
      setMessage(`Created ${result.createUser.email}.`);
      setEmail('');
      setPassword('');
      users.reload();
    }
  };
  const error = users.error ?? setRole.error ?? disable.error ?? enable.error ?? reset.error;
  return (
    <>
      <section className="panel" aria-labelledby="new-user-title">
        <h3 id="new-user-title">New user</h3>
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor={ids.email}>Email</label>
          <input id={ids.email} className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor={ids.password}>Initial password</label>
          <input id={ids.password} className="input" type="password" autoComplete="new-password" minLength={8} required value={password} onChange={(e) => setPassword(e.target.value)} />
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} className="input" value={role} onChange={(e) => setNewRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <button type="submit" className="button button-primary" disabled={create.busy}>
            Create user
          </button>
        </form>
        {create.error && (
          <p role="alert" className="error-text">
            {create.error}
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="users-title">
        <h3 id="users-title">Users and roles</h3>
        <p role="status" aria-live="polite">
          {message}
        </p>
        {temporary && (
          <div className="secret-box" role="status">
            <p>
              <strong>New password of {temporary.email}, shown only now:</strong> <code data-testid="temporary-password">{temporary.password}</code>. Their sessions have ended.
            </p>
            <button type="button" className="button" onClick={() => setTemporary(null)}>
              Done
            </button>
          </div>
        )}
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <PartialListNotice list={users} noun="users" />
        <DataTable caption="Users" data={users.nodes ?? []} columns={columns} filterLabel="Filter users" />
      </section>
    </>
  );
}
