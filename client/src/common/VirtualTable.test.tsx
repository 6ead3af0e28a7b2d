// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { visibleRange, VirtualTable, type VirtualColumn } from './VirtualTable.tsx';

interface Row {
  n: number;
}
const ROWS: Row[] = Array.from({ length: 10_000 }, (_, n) => ({ n }));
const columns: Array<VirtualColumn<Row>> = [
  { header: 'Number', cell: (r) => `row ${r.n}` },
  { header: 'Square', cell: (r) => String(r.n * r.n) },
];
const ROW_HEIGHT = 30;
const HEIGHT = 300; // 10 rows in view

function drawnRows(): string[] {
  const table = screen.getByRole('table', { name: 'Numbers' });
  // spacer rows are aria-hidden, so only drawn data rows (and the header) are in the role tree
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell')[0]!.textContent ?? '');
}

function scrollTo(region: HTMLElement, top: number): void {
  region.scrollTop = top;
  fireEvent.scroll(region);
}

describe('VirtualTable', () => {
  afterEach(cleanup);

  it('draws only a window of 10,000 rows, in a labelled, focusable scroll region', () => {
    render(<VirtualTable caption="Numbers" rows={ROWS} columns={columns} rowKey={(r) => r.n} rowHeight={ROW_HEIGHT} height={HEIGHT} overscan={5} />);
    const region = screen.getByRole('region', { name: 'Numbers (scrolls)' });
    expect(region.tabIndex).toBe(0);
    const rows = drawnRows();
    expect(rows.length).toBe(15); // 10 in view + 5 below
    expect(rows[0]).toBe('row 0');
    expect(document.querySelectorAll('tbody tr').length).toBeLessThan(20);
    expect(screen.getByRole('table', { name: 'Numbers' }).getAttribute('aria-rowcount')).toBe('10001');
    // the spacer below stands in for every row not drawn
    const spacer = document.querySelector<HTMLElement>('.virtual-spacer')!;
    expect(spacer.style.height).toBe(`${(10_000 - 15) * ROW_HEIGHT}px`);
  });

  it('scrolling draws the later rows and drops the earlier ones', () => {
    render(<VirtualTable caption="Numbers" rows={ROWS} columns={columns} rowKey={(r) => r.n} rowHeight={ROW_HEIGHT} height={HEIGHT} overscan={5} />);
    const region = screen.getByRole('region', { name: 'Numbers (scrolls)' });
    scrollTo(region, 5000 * ROW_HEIGHT);
    const rows = drawnRows();
    expect(rows).toContain('row 5000');
    expect(rows).toContain('row 5009');
    expect(rows).not.toContain('row 0');
    expect(rows.length).toBeLessThanOrEqual(21);
    const first = screen.getByText('row 4995').closest('tr')!;
    expect(first.getAttribute('aria-rowindex')).toBe('4997'); // header is row 1
    scrollTo(region, 9990 * ROW_HEIGHT);
    expect(drawnRows().at(-1)).toBe('row 9999');
  });

  it('the keyboard scrolls the focused region: End, Home, Page Down, arrows', () => {
    render(<VirtualTable caption="Numbers" rows={ROWS} columns={columns} rowKey={(r) => r.n} rowHeight={ROW_HEIGHT} height={HEIGHT} overscan={0} />);
    const region = screen.getByRole('region', { name: 'Numbers (scrolls)' });
    region.focus();
    fireEvent.keyDown(region, { key: 'End' });
    expect(drawnRows().at(-1)).toBe('row 9999');
    fireEvent.keyDown(region, { key: 'Home' });
    expect(drawnRows()[0]).toBe('row 0');
    fireEvent.keyDown(region, { key: 'PageDown' });
    expect(drawnRows()[0]).toBe('row 9'); // a page is the view less one row
    fireEvent.keyDown(region, { key: 'ArrowDown' });
    expect(drawnRows()[0]).toBe('row 10');
    fireEvent.keyDown(region, { key: 'ArrowUp' });
    fireEvent.keyDown(region, { key: 'ArrowUp' });
    expect(drawnRows()[0]).toBe('row 8');
  });

  it('asks for more rows when the view nears the end of those loaded', () => {
    let asked = 0;
    const loaded = ROWS.slice(0, 100);
    render(<VirtualTable caption="Numbers" rows={loaded} columns={columns} rowKey={(r) => r.n} rowHeight={ROW_HEIGHT} height={HEIGHT} nearEndRows={20} onNearEnd={() => asked++} footer="Loading more…" />);
    expect(asked).toBe(0);
    scrollTo(screen.getByRole('region', { name: 'Numbers (scrolls)' }), 75 * ROW_HEIGHT);
    expect(asked).toBe(1);
    expect(screen.getByText('Loading more…')).toBeTruthy();
  });

  it('computes the window from the scroll position', () => {
    expect(visibleRange(0, 300, 30, 10_000, 5)).toEqual([0, 15]);
    expect(visibleRange(3000, 300, 30, 10_000, 5)).toEqual([95, 115]);
    // scrolled past the end of a list that got shorter: its last rows
    expect(visibleRange(1e9, 300, 30, 50, 5)).toEqual([35, 50]);
    expect(visibleRange(0, 300, 30, 0, 5)).toEqual([0, 0]);
  });
});
