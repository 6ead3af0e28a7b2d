// Every page of the client, declared once: the route switch, the side navigation and the
// document titles are all derived from ROUTES.
import { lazy, Suspense, type ReactElement } from 'react';
import { AccountPage } from '../account/AccountPage.tsx';
import { AdminPage, type AdminTab } from '../admin/AdminPage.tsx';
import { matchPath } from '../common/router.tsx';
import { DashboardPage } from '../dashboard/DashboardPage.tsx';
import { DatasetDetailPage } from '../datasets/DatasetDetailPage.tsx';
import { DatasetsPage } from '../datasets/DatasetsPage.tsx';
import { EvaluationPage } from '../evaluation/EvaluationPage.tsx';
import { JobsPage } from '../jobs/JobsPage.tsx';
import { ModelDetailPage } from '../models/ModelDetailPage.tsx';
import { ModelVersionPage } from '../models/ModelVersionPage.tsx';
import { ModelsPage } from '../models/ModelsPage.tsx';
import { ComparePage } from '../training/ComparePage.tsx';
import { RunDetailPage } from '../training/RunDetailPage.tsx';
import { RunsPage } from '../training/RunsPage.tsx';
import { TrainingPage } from '../training/TrainingPage.tsx';
import type { Theme } from './theme.ts';

// GraphiQL is large: loaded only when the playground opens.
const PlaygroundPage = lazy(() => import('../playground/PlaygroundPage.tsx'));

const ADMIN_TABS: readonly AdminTab[] = ['users', 'keys', 'audit'];

export interface RouteContext {
  params: Record<string, string>;
  theme: Theme;
}

export interface AppRoute {
  /** Pattern for matchPath, e.g. "/datasets/:id"; the first route that matches wins. */
  path: string;
  render: (context: RouteContext) => ReactElement;
  /** The document title is "<title> — EGen". */
  title: string;
  /** In the side navigation under this label, linking to `to` (defaults to the path). */
  nav?: { label: string; to?: string; notForViewer?: boolean };
  /** Only admins see the page; others get "Not allowed". */
  adminOnly?: boolean;
  /** The page uses the whole width (no reading column). */
  wide?: boolean;
}

export const ROUTES: readonly AppRoute[] = [
  { path: '/', title: 'Dashboard', nav: { label: 'Dashboard' }, render: () => <DashboardPage /> },
  { path: '/datasets', title: 'Datasets', nav: { label: 'Datasets' }, render: () => <DatasetsPage /> },
  { path: '/datasets/:id', title: 'Datasets', render: ({ params }) => <DatasetDetailPage key={params.id} id={params.id!} /> },
  { path: '/models', title: 'Models', nav: { label: 'Models' }, render: () => <ModelsPage /> },
  { path: '/models/:id', title: 'Models', render: ({ params }) => <ModelDetailPage key={params.id} id={params.id!} /> },
  { path: '/models/:modelId/versions/:version', title: 'Model version', render: ({ params }) => <ModelVersionPage key={`${params.modelId}/${params.version}`} modelId={params.modelId!} version={Number(params.version)} /> },
  { path: '/training', title: 'Training', nav: { label: 'Training', notForViewer: true }, render: () => <TrainingPage /> },
  { path: '/runs', title: 'Runs', nav: { label: 'Runs' }, render: () => <RunsPage /> },
  // before /runs/:id, which would match it too
  { path: '/runs/compare', title: 'Compare runs', render: () => <ComparePage /> },
  { path: '/runs/:id', title: 'Runs', render: ({ params }) => <RunDetailPage key={params.id} id={params.id!} /> },
  { path: '/evaluation', title: 'Evaluation', nav: { label: 'Evaluation' }, render: () => <EvaluationPage /> },
  { path: '/jobs', title: 'Jobs', nav: { label: 'Jobs' }, render: () => <JobsPage /> },
  {
    path: '/playground',
    title: 'Playground',
    nav: { label: 'Playground' },
    wide: true,
    render: ({ theme }) => (
      <Suspense fallback={<p role="status">Loading the playground…</p>}>
        <PlaygroundPage theme={theme} />
      </Suspense>
    ),
  },
  { path: '/account', title: 'My account', nav: { label: 'My account' }, render: () => <AccountPage /> },
  { path: '/admin', title: 'Administration', nav: { label: 'Admin', to: '/admin/users' }, adminOnly: true, render: () => <AdminPage tab="users" /> },
  {
    path: '/admin/:tab',
    title: 'Administration',
    adminOnly: true,
    render: ({ params }) => {
      const tab = params.tab as AdminTab;
      return <AdminPage tab={ADMIN_TABS.includes(tab) ? tab : 'users'} />;
    },
  },
];

/** The route a path shows and its parameters, or null (page not found). */
export function findRoute(pathname: string): { route: AppRoute; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}
