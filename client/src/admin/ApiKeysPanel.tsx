import { createColumnHelper } from '@tanstack/react-table';
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import type { Role } from '../auth/session.ts';
import { useSession } from '../auth/use-session.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatDate } from '../common/format.ts';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { API_KEYS_QUERY, type ApiKeyRow } from './documents/api-keys.query.ts';
import { MY_API_KEYS_QUERY } from './documents/my-api-keys.query.ts';
import { CREATE_API_KEY_MUTATION } from './documents/create-api-key.mutation.ts';
import { REVOKE_API_KEY_MUTATION } from './documents/revoke-api-key.mutation.ts';

/** Highest first: a key's role is at most its owner's. */
const ROLES: Role[] = ['ADMIN', 'DEVELOPER', 'VIEWER'];

/** Read when the table sorts or shows the row, so an expiry passed while the page is open shows. */
function keyStatus(key: ApiKeyRow): 'revoked' | 'expired' | 'active' {
  return key.revokedAt ? 'revoked' : key.expiresAt && Date.parse(key.expiresAt) < Date.now() ? 'expired' : 'active';
}

/** Everyone's keys (admins), or your own. */
export function ApiKeysPanel({ scope = 'all' }: { scope?: 'all' | 'mine' }): ReactElement {
  const all = useConnection(API_KEYS_QUERY, {}, (d) => d.apiKeys, { pause: scope !== 'all' });
  const mine = useQuery(MY_API_KEYS_QUERY, {}, { pause: scope !== 'mine' });
  const keys = scope === 'all' ? { ...all, rows: all.nodes } : { ...mine, rows: mine.data?.myApiKeys };
  const create = useMutation(CREATE_API_KEY_MUTATION);
  const revoke = useMutation(REVOKE_API_KEY_MUTATION);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [message, setMessage] = useState('');
  const session = useSession();
  const ids = { name: useId(), role: useId(), expires: useId(), secret: useId() };

  const column = createColumnHelper<ApiKeyRow>();
  const columns = [
    column.accessor('name', { header: 'Name' }),
    column.accessor('prefix', { header: 'Starts with', cell: (c) => <code>{c.getValue()}</code> }),
    column.accessor((k) => k.owner?.email ?? '', { id: 'owner', header: 'Owner' }),
    column.accessor('role', { header: 'Role' }),
    column.accessor(keyStatus, { id: 'status', header: 'Status' }),
    column.accessor('lastUsedAt', { header: 'Last used', cell: (c) => formatDate(c.getValue()) }),
    column.accessor('expiresAt', { header: 'Expires', cell: (c) => (c.getValue() ? formatDate(c.getValue()) : 'never') }),
    column.display({
      id: 'actions',
      header: 'Actions',
      cell: (c) =>
        c.row.original.revokedAt ? (
          <span className="muted">—</span>
        ) : (
          <button
            type="button"
            className="button button-small"
            onClick={async () => {
              if (await revoke.run({ id: c.row.original.id })) {
                setMessage(`Revoked ${c.row.original.name}.`);
                keys.reload();
              }
            }}
          >
            Revoke {c.row.original.name}
          </button>
        ),
    }),
  ];

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const result = await create.run({ input: { name: name.trim(), ...(role ? { role } : {}), ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}) } });
    if (result) {
      setSecret({ name: result.createApiKey.apiKey.name, secret: result.createApiKey.secret });
      setName('');
      keys.reload();
    }
  };

  return (
    <>
      <section className="panel" aria-labelledby="new-key-title">
        <h3 id="new-key-title">New API key</h3>
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor={ids.name}>Key name</label>
          <input id={ids.name} className="input" required value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} className="input" value={role} onChange={(e) => setRole(e.target.value as Role | '')}>
            <option value="">My role</option>
            {ROLES.slice(ROLES.indexOf(session?.user.role ?? 'VIEWER')).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <label htmlFor={ids.expires}>Expires (optional)</label>
          <input id={ids.expires} className="input" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
          <button type="submit" className="button button-primary" disabled={create.busy}>
            Create key
          </button>
        </form>
        {create.error && (
          <p role="alert" className="error-text">
            {create.error}
          </p>
        )}
        {secret && (
          <div className="secret-box" role="status">
            <p>
              <strong>Copy the key “{secret.name}” now: it is shown only once.</strong>
            </p>
            <label htmlFor={ids.secret}>Secret</label>
            <input id={ids.secret} className="input code-input" readOnly value={secret.secret} onFocus={(e) => e.target.select()} data-testid="api-key-secret" />
            <button type="button" className="button" onClick={() => void navigator.clipboard?.writeText(secret.secret).then(() => setMessage('Copied the secret.'))}>
              Copy
            </button>
            <button type="button" className="button" onClick={() => setSecret(null)}>
              I have saved it
            </button>
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="keys-title">
        <h3 id="keys-title">{scope === 'all' ? 'API keys of all users' : 'My API keys'}</h3>
        <p role="status" aria-live="polite">
          {message}
        </p>
        {(keys.error ?? revoke.error) && (
          <p role="alert" className="error-text">
            {keys.error ?? revoke.error}
          </p>
        )}
        {scope === 'all' && <PartialListNotice list={all} noun="API keys" />}
        <DataTable caption="API keys" data={keys.rows ?? []} columns={columns} filterLabel="Filter API keys" empty="No API keys." />
      </section>
    </>
  );
}
