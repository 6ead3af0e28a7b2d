// Says so when a list loaded by useConnection stopped at its row cap, instead of leaving the
// missing rows unmentioned.
import type { ReactElement } from 'react';
import { formatExact } from './format.ts';
import type { ConnectionState } from './use-graphql.ts';

export function PartialListNotice({ list, noun }: { list: Pick<ConnectionState<unknown>, 'nodes' | 'totalCount' | 'truncated'>; noun: string }): ReactElement | null {
  if (!list.truncated || !list.nodes) return null;
  return (
    <p role="status" className="muted" data-testid="partial-list">
      Showing the first {formatExact(list.nodes.length)} of {formatExact(list.totalCount)} {noun}.
    </p>
  );
}
