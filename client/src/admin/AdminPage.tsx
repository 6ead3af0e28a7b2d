import type { ReactElement } from 'react';
import { Link } from '../common/router.tsx';
import { ApiKeysPanel } from './ApiKeysPanel.tsx';
import { AuditLogPanel } from './AuditLogPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';

export type AdminTab = 'users' | 'keys' | 'audit';
const TABS: Array<{ tab: AdminTab; label: string }> = [
  { tab: 'users', label: 'Users and roles' },
  { tab: 'keys', label: 'API keys' },
  { tab: 'audit', label: 'Audit log' },
];

export function AdminPage({ tab }: { tab: AdminTab }): ReactElement {
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Administration</h2>
      </div>
      <nav className="sub-nav" aria-label="Administration sections">
        {TABS.map((t) => (
          <Link key={t.tab} to={`/admin/${t.tab}`} aria-current={t.tab === tab ? 'page' : undefined} className="sub-nav-link">
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === 'users' && <UsersPanel />}
      {tab === 'keys' && <ApiKeysPanel />}
      {tab === 'audit' && <AuditLogPanel />}
    </>
  );
}
