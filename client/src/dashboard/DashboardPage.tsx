import type { ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { Link } from '../common/router.tsx';
import { HealthPanel } from '../system/HealthPanel.tsx';

export function DashboardPage(): ReactElement {
  const session = useSession();
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Dashboard</h2>
      </div>
      <div className="two-columns">
        <section className="panel" aria-labelledby="start-title">
          <h3 id="start-title">Get started</h3>
          <ol>
            <li>
              <Link to="/datasets">Upload a dataset</Link> and check its validation report.
            </li>
            <li>
              <Link to="/models">Create a model</Link> from a preset or a custom architecture.
            </li>
            <li>
              Explore the API in the <Link to="/playground">GraphQL playground</Link>.
            </li>
          </ol>
          <p className="muted">
            Signed in as {session?.user.email} ({session?.user.role}).
          </p>
        </section>
        <HealthPanel />
      </div>
    </>
  );
}
