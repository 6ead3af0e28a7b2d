// The body of a settings comparison table (runs on the Compare page, versions on the version page):
// one row per setting, the differing ones marked for the eye and for screen readers.
import type { ReactElement } from 'react';
import type { configDiff } from './config-diff.ts';

/** `sides` is how many configs are compared (the columns after the setting's name). */
export function ConfigDiffRows({ rows, sides, emptyText }: { rows: ReturnType<typeof configDiff>; sides: number; emptyText: string }): ReactElement {
  return (
    <tbody>
      {rows.map((row) => (
        <tr key={row.key} className={row.differs ? 'row-differs' : undefined}>
          <th scope="row">
            {row.key}
            {row.differs && <span className="sr-only"> (differs)</span>}
          </th>
          {row.values.map((v, i) => (
            <td key={i}>{v}</td>
          ))}
        </tr>
      ))}
      {rows.length === 0 && (
        <tr>
          <td colSpan={sides + 1} className="muted">
            {emptyText}
          </td>
        </tr>
      )}
    </tbody>
  );
}
