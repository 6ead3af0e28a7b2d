// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import axe from 'axe-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ClassificationReport, rowShares } from './ClassificationReport.tsx';
import type { ClassificationRow } from './documents/evaluations.query.ts';

const REPORT: ClassificationRow = {
  labels: ['sports', 'weather', 'music'],
  accuracy: 0.8,
  macroF1: 0.7667,
  examples: 10,
  perLabel: [
    { label: 'sports', precision: 1, recall: 0.75, f1: 0.857, support: 4, predicted: 3 },
    { label: 'weather', precision: 0.667, recall: 1, f1: 0.8, support: 4, predicted: 6 },
    { label: 'music', precision: 0, recall: 0, f1: 0, support: 2, predicted: 1 },
  ],
  confusion: [
    [3, 1, 0],
    [0, 4, 0],
    [0, 1, 1],
  ],
};

describe('ClassificationReport', () => {
  afterEach(cleanup);

  it('normalises each row of the matrix by its total; an empty row is all zeros', () => {
    expect(
      rowShares([
        [3, 1],
        [0, 0],
      ]),
    ).toEqual([
      [0.75, 0.25],
      [0, 0],
    ]);
  });

  it('shows per-label scores and the matrix with true labels as rows and predictions as columns', () => {
    render(<ClassificationReport title="classifier v1" report={REPORT} />);
    const perLabel = screen.getByTestId('per-label-table');
    const music = within(perLabel).getByRole('rowheader', { name: 'music' }).closest('tr')!;
    expect([...music.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['0.00', '0.00', '0.00', '2', '1']);
    const matrix = screen.getByTestId('confusion-matrix');
    expect(
      within(matrix)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['predicted sports', 'predicted weather', 'predicted music']);
    const weatherRow = within(matrix).getByRole('rowheader', { name: 'true weather' }).closest('tr')!;
    const cells = [...weatherRow.querySelectorAll('td')];
    expect(cells.map((td) => td.textContent)).toEqual(['0 0%', '4 100%', '0 0%']);
    expect(cells.map((td) => td.getAttribute('data-share'))).toEqual(['0.000', '1.000', '0.000']);
    expect(cells[1]!.style.backgroundColor).toBe('rgba(59, 130, 246, 0.4)');
    expect(cells[0]!.style.backgroundColor).toBe('');
    // the scrolling regions are keyboard-focusable
    for (const region of screen.getAllByRole('region', { name: /scrolls/ })) expect(region.tabIndex).toBe(0);
    expect(screen.getByText(/Accuracy 0\.800, macro-F1 0\.767 over 10 held-out examples/)).toBeTruthy();
  });

  it('has no accessibility violations (axe, WCAG 2.1 A/AA)', async () => {
    const { container } = render(<ClassificationReport title="classifier v1" report={REPORT} />);
    // jsdom does not lay out or paint, so colour contrast is checked in the browser tests
    const result = await axe.run(container, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, rules: { 'color-contrast': { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
});
