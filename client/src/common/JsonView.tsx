// JSON with syntax highlighting (keys, strings, numbers, literals), for configs.
import type { ReactElement, ReactNode } from 'react';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

export function highlightJson(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const match of text.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    if (index > last) out.push(text.slice(last, index));
    if (match[1]) {
      out.push(
        <span key={key++} className={match[2] ? 'tok-key' : 'tok-string'}>
          {match[1]}
        </span>,
      );
      if (match[2]) out.push(match[2]);
    } else if (match[3]) {
      out.push(
        <span key={key++} className="tok-literal">
          {match[3]}
        </span>,
      );
    } else {
      out.push(
        <span key={key++} className="tok-number">
          {match[4]}
        </span>,
      );
    }
    last = index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function JsonView({ value, label }: { value: unknown; label: string }): ReactElement {
  return (
    <pre className="code-block" aria-label={label} tabIndex={0}>
      <code>{highlightJson(JSON.stringify(value, null, 2) ?? 'null')}</code>
    </pre>
  );
}
