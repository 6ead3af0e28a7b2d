// A table that keeps only the rows in view (plus a few either side) in the DOM, so 10,000 or a
// million rows scroll as lightly as ten. Rows have one fixed height; spacer rows above and below
// stand in for the rows not drawn. The scroll region is focusable and labelled, and the arrow,
// Page Up/Down, Home and End keys scroll it; aria-rowcount and aria-rowindex tell assistive
// technology where the drawn rows sit in the whole. `onNearEnd` asks for more rows before the
// reader reaches the last one.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement, type ReactNode } from 'react';

export interface VirtualColumn<T> {
  header: string;
  cell: (row: T, index: number) => ReactNode;
  /** CSS width, e.g. "6rem" or "40%". */
  width?: string;
}

export interface VirtualTableProps<T> {
  /** Accessible name of the table (a caption) and, with "(scrolls)", of its scroll region. */
  caption: string;
  rows: readonly T[];
  columns: ReadonlyArray<VirtualColumn<T>>;
  rowKey: (row: T, index: number) => string | number;
  /** Rows in the whole list when known (aria-rowcount); defaults to the rows given. */
  totalRows?: number;
  /** Height of every row in pixels. Defaults to 36. */
  rowHeight?: number;
  /** Height of the scroll region in pixels. Defaults to 420. */
  height?: number;
  /** Rows drawn beyond each edge of the view. Defaults to 8. */
  overscan?: number;
  /** Called when the view comes within `nearEndRows` of the last row. */
  onNearEnd?: () => void;
  /** Defaults to 20. */
  nearEndRows?: number;
  /** Shown in a last row under the drawn rows (e.g. "Loading more…"). */
  footer?: ReactNode;
}

/** The rows to draw for a scroll position: [start, end). */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): [number, number] {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + viewport) / rowHeight);
  // Scrolled past the rows there are (the list got shorter): the last rows stay drawn.
  const start = Math.max(0, Math.min(first - overscan, count - Math.ceil(viewport / rowHeight) - overscan));
  return [start, Math.min(count, Math.max(start, last + overscan))];
}

export function VirtualTable<T>({ caption, rows, columns, rowKey, totalRows, rowHeight = 36, height = 420, overscan = 8, onNearEnd, nearEndRows = 20, footer }: VirtualTableProps<T>): ReactElement {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(height);
  // The real height once laid out (it can differ from `height` with zoom or a smaller screen).
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = (): void => setViewport(element.clientHeight || height);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [height]);
  const [start, end] = visibleRange(scrollTop, viewport, rowHeight, rows.length, overscan);
  const nearEnd = rows.length > 0 && end >= rows.length - nearEndRows;
  useEffect(() => {
    if (nearEnd) onNearEnd?.();
  }, [nearEnd, rows.length, onNearEnd]);

  const scrollBy = useCallback(
    (delta: number | 'start' | 'end') => {
      const element = scroller.current;
      if (!element) return;
      const max = Math.max(0, element.scrollHeight - element.clientHeight, rows.length * rowHeight - viewport);
      const next = delta === 'start' ? 0 : delta === 'end' ? max : Math.min(max, Math.max(0, element.scrollTop + delta));
      element.scrollTop = next;
      setScrollTop(next);
    },
    [rows.length, rowHeight, viewport],
  );
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(rowHeight, viewport - rowHeight);
    const moves: Record<string, number | 'start' | 'end'> = { ArrowDown: rowHeight, ArrowUp: -rowHeight, PageDown: page, PageUp: -page, Home: 'start', End: 'end' };
    const move = moves[event.key];
    if (move === undefined || event.target !== event.currentTarget) return;
    event.preventDefault();
    scrollBy(move);
  };

  const span = columns.length;
  return (
    <div
      ref={scroller}
      className="virtual-table"
      role="region"
      aria-label={`${caption} (scrolls)`}
      tabIndex={0}
      style={{ height, ['--row-height' as string]: `${rowHeight}px` }}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <table aria-rowcount={(totalRows ?? rows.length) + 1}>
        <caption className="sr-only">{caption}</caption>
        <colgroup>
          {columns.map((c) => (
            <col key={c.header} style={c.width ? { width: c.width } : undefined} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((c) => (
              <th key={c.header} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {start > 0 && (
            <tr aria-hidden="true" className="virtual-spacer" style={{ height: start * rowHeight }}>
              <td colSpan={span} />
            </tr>
          )}
          {rows.slice(start, end).map((row, offset) => {
            const index = start + offset;
            return (
              <tr key={rowKey(row, index)} aria-rowindex={index + 2} className="virtual-row">
                {columns.map((c) => (
                  <td key={c.header}>{c.cell(row, index)}</td>
                ))}
              </tr>
            );
          })}
          {end < rows.length && (
            <tr aria-hidden="true" className="virtual-spacer" style={{ height: (rows.length - end) * rowHeight }}>
              <td colSpan={span} />
            </tr>
          )}
          {footer && (
            <tr className="virtual-footer">
              <td colSpan={span}>{footer}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
