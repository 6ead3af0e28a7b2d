// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { createColumnHelper } from '@tanstack/react-table';
import { afterEach, describe, expect, it } from 'vitest';
import { DataTable } from './DataTable.tsx';

interface Row {
  name: string;
  size: number;
}
const column = createColumnHelper<Row>();
const columns = [column.accessor('name', { header: 'Name' }), column.accessor('size', { header: 'Size' })];
const data: Row[] = Array.from({ length: 23 }, (_, i) => ({ name: `item-${String(i).padStart(2, '0')}`, size: (i * 7) % 23 }));

function bodyNames(): string[] {
  const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
  return rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent ?? '');
}

describe('DataTable', () => {
  afterEach(cleanup);

  it('pages through rows with labelled controls', () => {
    render(<DataTable caption="Things" data={data} columns={columns} pageSize={10} />);
    expect(bodyNames()).toHaveLength(10);
    expect(screen.getByText(/Page 1 of 3 \(23 rows\)/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(screen.getByText(/Page 2 of 3/)).toBeTruthy();
    expect(bodyNames()[0]).toBe('item-10');
    fireEvent.change(screen.getByLabelText('Rows per page'), { target: { value: '25' } });
    expect(bodyNames()).toHaveLength(23);
    expect((screen.getByRole('button', { name: 'Next page' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('sorts by a column, announcing the order with aria-sort', () => {
    render(<DataTable caption="Things" data={data} columns={columns} pageSize={25} />);
    const header = screen.getByRole('columnheader', { name: /Size/ });
    expect(header.getAttribute('aria-sort')).toBe('none');
    fireEvent.click(within(header).getByRole('button'));
    const sizes = within(screen.getByRole('table'))
      .getAllByRole('row')
      .slice(1)
      .map((r) => Number(within(r).getAllByRole('cell')[1]!.textContent));
    const direction = header.getAttribute('aria-sort');
    expect(['ascending', 'descending']).toContain(direction);
    const sorted = [...sizes].sort((a, b) => (direction === 'ascending' ? a - b : b - a));
    expect(sizes).toEqual(sorted);
    fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe(direction === 'ascending' ? 'descending' : 'ascending');
  });

  it('filters rows and says when nothing matches', () => {
    render(<DataTable caption="Things" data={data} columns={columns} filterLabel="Filter things" />);
    fireEvent.change(screen.getByLabelText('Filter things'), { target: { value: 'item-2' } });
    expect(bodyNames()).toEqual(['item-20', 'item-21', 'item-22']);
    fireEvent.change(screen.getByLabelText('Filter things'), { target: { value: 'nothing' } });
    expect(screen.getByText('No rows match the filter.')).toBeTruthy();
  });

  it('shows the empty message without data', () => {
    render(<DataTable caption="Things" data={[]} columns={columns} empty="Nothing yet." />);
    expect(screen.getByText('Nothing yet.')).toBeTruthy();
  });
});
