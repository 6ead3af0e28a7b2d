// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';

// The pages load uPlot, which reads matchMedia when it loads; jsdom has none.
globalThis.matchMedia ??= (() => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} })) as unknown as typeof matchMedia;

const { findRoute, ROUTES } = await import('./routes.tsx');

describe('routes', () => {
  it('match paths to pages, the more specific first, with their parameters and titles', () => {
    const at = (path: string) => {
      const found = findRoute(path);
      return found && { path: found.route.path, params: found.params, title: found.route.title };
    };
    expect(at('/')).toEqual({ path: '/', params: {}, title: 'Dashboard' });
    expect(at('/runs/compare')).toEqual({ path: '/runs/compare', params: {}, title: 'Compare runs' });
    expect(at('/runs/r1')).toEqual({ path: '/runs/:id', params: { id: 'r1' }, title: 'Runs' });
    expect(at('/datasets/a%20b')).toEqual({ path: '/datasets/:id', params: { id: 'a b' }, title: 'Datasets' });
    expect(at('/admin/keys')).toMatchObject({ path: '/admin/:tab', params: { tab: 'keys' }, title: 'Administration' });
    expect(at('/models/m1/versions/3')).toEqual({ path: '/models/:modelId/versions/:version', params: { modelId: 'm1', version: '3' }, title: 'Model version' });
    expect(at('/nowhere')).toBeNull();
  });

  it('give the side navigation its entries in order, each linking to a page', () => {
    const nav = ROUTES.flatMap((r) => (r.nav ? [{ label: r.nav.label, to: r.nav.to ?? r.path }] : []));
    expect(nav.map((n) => n.label)).toEqual(['Dashboard', 'Datasets', 'Models', 'Training', 'Runs', 'Evaluation', 'Jobs', 'Playground', 'My account', 'Admin']);
    for (const { to } of nav) expect(findRoute(to), to).not.toBeNull();
    expect(ROUTES.filter((r) => r.adminOnly).map((r) => r.path)).toEqual(['/admin', '/admin/:tab']);
  });
});
