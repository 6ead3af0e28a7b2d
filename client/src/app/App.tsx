import { lazy, Suspense, useEffect, useRef, useState, type ReactElement } from 'react';
import { AccountPage } from '../account/AccountPage.tsx';
import { AdminPage, type AdminTab } from '../admin/AdminPage.tsx';
import { signOut } from '../auth/session.ts';
import { SignInPage } from '../auth/SignInPage.tsx';
import { useSession } from '../auth/use-session.ts';
import { Link, matchPath, navigate, useLocation } from '../common/router.tsx';
import { DashboardPage } from '../dashboard/DashboardPage.tsx';
import { DatasetDetailPage } from '../datasets/DatasetDetailPage.tsx';
import { DatasetsPage } from '../datasets/DatasetsPage.tsx';
import { ModelDetailPage } from '../models/ModelDetailPage.tsx';
import { ModelsPage } from '../models/ModelsPage.tsx';
import { ComparePage } from '../training/ComparePage.tsx';
import { EvaluationPage } from '../training/EvaluationPage.tsx';
import { RunDetailPage } from '../training/RunDetailPage.tsx';
import { RunsPage } from '../training/RunsPage.tsx';
import { TrainingPage } from '../training/TrainingPage.tsx';
import { applyTheme, initialTheme, type Theme } from './theme.ts';

// GraphiQL is large: loaded only when the playground opens.
const PlaygroundPage = lazy(() => import('../playground/PlaygroundPage.tsx'));

const NAV: Array<{ to: string; label: string; adminOnly?: boolean; notForViewer?: boolean }> = [
  { to: '/', label: 'Dashboard' },
  { to: '/datasets', label: 'Datasets' },
  { to: '/models', label: 'Models' },
  { to: '/training', label: 'Training', notForViewer: true },
  { to: '/runs', label: 'Runs' },
  { to: '/evaluation', label: 'Evaluation' },
  { to: '/playground', label: 'Playground' },
  { to: '/account', label: 'My account' },
  { to: '/admin/users', label: 'Admin', adminOnly: true },
];

const TITLES: Array<[string, string]> = [
  ['/datasets', 'Datasets'],
  ['/models', 'Models'],
  ['/training', 'Training'],
  ['/runs/compare', 'Compare runs'],
  ['/runs', 'Runs'],
  ['/evaluation', 'Evaluation'],
  ['/playground', 'Playground'],
  ['/admin', 'Administration'],
  ['/account', 'My account'],
];

function isActive(to: string, pathname: string): boolean {
  if (to === '/') return pathname === '/';
  return pathname === to || pathname.startsWith(`${to.split('/').slice(0, 2).join('/')}/`) || pathname === to.split('/').slice(0, 2).join('/');
}

function Routes({ pathname, isAdmin, theme }: { pathname: string; isAdmin: boolean; theme: Theme }): ReactElement {
  let params: Record<string, string> | null;
  if (pathname === '/') return <DashboardPage />;
  if (pathname === '/datasets') return <DatasetsPage />;
  if ((params = matchPath('/datasets/:id', pathname))) return <DatasetDetailPage key={params.id} id={params.id!} />;
  if (pathname === '/models') return <ModelsPage />;
  if (pathname === '/account') return <AccountPage />;
  if (pathname === '/training') return <TrainingPage />;
  if (pathname === '/runs') return <RunsPage />;
  if (pathname === '/runs/compare') return <ComparePage />;
  if ((params = matchPath('/runs/:id', pathname))) return <RunDetailPage key={params.id} id={params.id!} />;
  if (pathname === '/evaluation') return <EvaluationPage />;
  if ((params = matchPath('/models/:id', pathname))) return <ModelDetailPage key={params.id} id={params.id!} />;
  if (pathname === '/playground')
    return (
      <Suspense fallback={<p role="status">Loading the playground…</p>}>
        <PlaygroundPage theme={theme} />
      </Suspense>
    );
  if (pathname === '/admin' || (params = matchPath('/admin/:tab', pathname))) {
    if (!isAdmin)
      return (
        <section className="panel" aria-labelledby="page-title">
          <h2 id="page-title">Not allowed</h2>
          <p role="alert">Administration needs the ADMIN role.</p>
        </section>
      );
    const tab = (params?.tab ?? 'users') as AdminTab;
    return <AdminPage tab={['users', 'keys', 'audit'].includes(tab) ? tab : 'users'} />;
  }
  return (
    <section className="panel" aria-labelledby="page-title">
      <h2 id="page-title">Page not found</h2>
      <p>
        Nothing lives at <code>{pathname}</code>. <Link to="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}

export function App(): ReactElement {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [navOpen, setNavOpen] = useState(true);
  const session = useSession();
  const { pathname } = useLocation();
  useEffect(() => applyTheme(theme), [theme]);
  // After a client-side navigation, focus moves to the new page (as a page load would).
  const firstPath = useRef(pathname);
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: false });
  }, [pathname]);
  // Signing in or out replaces the page too.
  const firstUser = useRef(session?.user.id);
  useEffect(() => {
    if (session?.user.id === firstUser.current) return;
    firstUser.current = '\u0000';
    document.getElementById('main')?.focus();
  }, [session?.user.id]);
  useEffect(() => {
    const title = TITLES.find(([prefix]) => pathname.startsWith(prefix))?.[1];
    document.title = session ? `${title ?? 'Dashboard'} — EGen` : 'Sign in — EGen';
  }, [pathname, session]);
  const isAdmin = session?.user.role === 'ADMIN';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <div className="top-left">
          {session && (
            <button type="button" className="button icon-button" aria-expanded={navOpen} aria-controls="side-nav" onClick={() => setNavOpen((v) => !v)}>
              <span aria-hidden="true">☰</span> {navOpen ? 'Hide menu' : 'Show menu'}
            </button>
          )}
          <h1 className="brand">EGen</h1>
        </div>
        <div className="top-right">
          {session && (
            <span className="user-chip" data-testid="current-user">
              {session.user.email} <span className="badge badge-muted">{session.user.role}</span>
            </span>
          )}
          <button type="button" className="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-pressed={theme === 'light'}>
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          {session && (
            <button
              type="button"
              className="button"
              onClick={() => {
                void signOut();
                navigate('/', { replace: true });
              }}
            >
              Sign out
            </button>
          )}
        </div>
      </header>
      <div className={`layout${session && navOpen ? ' layout-with-nav' : ''}`}>
        {session && navOpen && (
          <nav id="side-nav" className="side-nav" aria-label="Main">
            <ul>
              {NAV.filter((item) => (!item.adminOnly || isAdmin) && (!item.notForViewer || session.user.role !== 'VIEWER')).map((item) => (
                <li key={item.to}>
                  <Link to={item.to} aria-current={isActive(item.to, pathname) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main id="main" className={`content${pathname === '/playground' ? ' content-wide' : ''}`} tabIndex={-1}>
          {session ? <Routes pathname={pathname} isAdmin={isAdmin} theme={theme} /> : <SignInPage />}
        </main>
      </div>
    </>
  );
}
