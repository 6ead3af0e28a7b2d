import type { ReactElement } from 'react';

/** PASS or FAIL in words and a symbol, not by color alone. */
export function GateBadge({ passed, label }: { passed: boolean; label?: string }): ReactElement {
  return <span className={`badge ${passed ? 'badge-ok' : 'badge-bad'}`}>{passed ? `✓ ${label ?? 'PASS'}` : `✕ ${label ?? 'FAIL'}`}</span>;
}
