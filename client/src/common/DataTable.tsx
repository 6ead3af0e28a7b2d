// A table with sorting, filtering and pagination (TanStack Table v8), accessible by keyboard:
// sort buttons in the headers with aria-sort, a labelled filter and labelled paging controls.
import { flexRender, getCoreRowModel, getFilteredRowModel, getPaginationRowModel, getSortedRowModel, useReactTable, type ColumnDef, type SortingState } from '@tanstack/react-table';
import { useId, useState, type ReactElement, type ReactNode } from 'react';

export interface DataTableProps<T> {
  /** Accessible name of the table (a caption). */
  caption: string;
  data: T[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each column has its own value type, and ColumnDef has no common supertype (TanStack's docs type it so)
  columns: Array<ColumnDef<T, any>>;
  pageSize?: number;
  /** Shown when there are no rows at all. */
  empty?: ReactNode;
  filterLabel?: string;
  /** Extra controls next to the filter (e.g. column filters). */
  toolbar?: ReactNode;
  initialSorting?: SortingState;
}

export function DataTable<T>({ caption, data, columns, pageSize = 10, empty, filterLabel = 'Filter rows', toolbar, initialSorting = [] }: DataTableProps<T>): ReactElement {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [globalFilter, setGlobalFilter] = useState('');
  const [pagination, setPagination] = useState({ pageIndex: 0, pageSize });
  const filterId = useId();
  const sizeId = useId();
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter, pagination },
    onSortingChange: setSorting,
    onGlobalFilterChange: (value: string) => {
      setGlobalFilter(value);
      setPagination((p) => ({ ...p, pageIndex: 0 }));
    },
    onPaginationChange: setPagination,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getPaginationRowModel: getPaginationRowModel(),
    globalFilterFn: 'includesString',
  });
  const rows = table.getRowModel().rows;
  const filteredCount = table.getFilteredRowModel().rows.length;
  const pageCount = Math.max(1, table.getPageCount());
  return (
    <div className="data-table">
      <div className="table-toolbar">
        <label htmlFor={filterId}>{filterLabel}</label>
        <input id={filterId} type="search" className="input" value={globalFilter} onChange={(e) => table.setGlobalFilter(e.target.value)} />
        {toolbar}
      </div>
      <div className="table-scroll">
        <table>
          <caption className="sr-only">{caption}</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const label = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <th key={header.id} scope="col" aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : header.column.getCanSort() ? 'none' : undefined}>
                      {header.isPlaceholder ? null : header.column.getCanSort() ? (
                        <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                          {label}
                          <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ' ↕'}</span>
                        </button>
                      ) : (
                        label
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={table.getAllLeafColumns().length} className="muted">
                  {data.length === 0 ? (empty ?? 'Nothing here yet.') : 'No rows match the filter.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={`${caption} pages`}>
        <button type="button" className="button" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>
          Previous page
        </button>
        <span aria-live="polite">
          Page {pagination.pageIndex + 1} of {pageCount} ({filteredCount} {filteredCount === 1 ? 'row' : 'rows'})
        </span>
        <button type="button" className="button" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>
          Next page
        </button>
        <label htmlFor={sizeId}>Rows per page</label>
        <select id={sizeId} className="input" value={pagination.pageSize} onChange={(e) => setPagination({ pageIndex: 0, pageSize: Number(e.target.value) })}>
          {[5, 10, 25, 50, 100].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </nav>
    </div>
  );
}
