import { useEffect, useRef, useState, type ReactElement } from 'react';
import { signOut } from '../auth/session.ts';
import { SignInPage } from '../auth/SignInPage.tsx';
import { useSession } from '../auth/use-session.ts';
import { Link, navigate, useLocation } from '../common/router.tsx';
import { findRoute, ROUTES } from './routes.tsx';
import { applyTheme, initialTheme, type Theme } from './theme.ts';

function isActive(to: string, pathname: string): boolean {
  if (to === '/') return pathname === '/';
  return pathname === to || pathname.startsWith(`${to.split('/').slice(0, 2).join('/')}/`) || pathname === to.split('/').slice(0, 2).join('/');
}

function Page({ pathname, isAdmin, theme }: { pathname: string; isAdmin: boolean; theme: Theme }): ReactElement {
  const found = findRoute(pathname);
  if (!found)
    return (
      <section className="panel" aria-labelledby="page-title">
        <h2 id="page-title">Page not found</h2>
        <p>
          Nothing lives at <code>{pathname}</code>. <Link to="/">Go to the dashboard</Link>.
        </p>
      </section>
    );
  if (found.route.adminOnly && !isAdmin)
    return (
      <section className="panel" aria-labelledby="page-title">
        <h2 id="page-title">Not allowed</h2>
        <p role="alert">Administration needs the ADMIN role.</p>
      </section>
    );
  return found.route.render({ params: found.params, theme });
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
    const title = findRoute(pathname)?.route.title;
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
              {ROUTES.flatMap(({ path, nav, adminOnly }) => {
                if (!nav || (adminOnly && !isAdmin) || (nav.notForViewer && session.user.role === 'VIEWER')) return [];
                const to = nav.to ?? path;
                return [
                  <li key={to}>
                    <Link to={to} aria-current={isActive(to, pathname) ? 'page' : undefined}>
                      {nav.label}
                    </Link>
                  </li>,
                ];
              })}
            </ul>
          </nav>
        )}
        <main id="main" className={`content${findRoute(pathname)?.route.wide ? ' content-wide' : ''}`} tabIndex={-1}>
          {session ? <Page pathname={pathname} isAdmin={isAdmin} theme={theme} /> : <SignInPage />}
        </main>
      </div>
    </>
  );
}
