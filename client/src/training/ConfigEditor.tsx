// A config editor: a plain textarea (keyboard, screen readers and undo work as usual) over a
// highlighted copy of its text, scrolled together.
import { useRef, type ReactElement, type ReactNode } from 'react';
import { highlightJson } from '../common/JsonView.tsx';

const YAML_LINE = /^(\s*)([A-Za-z_][\w]*)(\s*:)(.*)$/;

export function highlightYaml(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) out.push('\n');
    const m = YAML_LINE.exec(line);
    if (!m) {
      out.push(line);
      return;
    }
    const [, indent, key, colon, rest] = m as unknown as [string, string, string, string, string];
    out.push(indent);
    out.push(
      <span key={`k${i}`} className="tok-key">
        {key}
      </span>,
    );
    out.push(colon);
    const value = rest.trim();
    const cls = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) ? 'tok-number' : /^(true|false|null|~)$/.test(value) ? 'tok-literal' : value ? 'tok-string' : '';
    out.push(
      cls ? (
        <span key={`v${i}`} className={cls}>
          {rest}
        </span>
      ) : (
        rest
      ),
    );
  });
  return out;
}

export function ConfigEditor({ id, value, format, invalid, describedBy, onChange }: { id: string; value: string; format: 'json' | 'yaml'; invalid: boolean; describedBy?: string; onChange: (text: string) => void }): ReactElement {
  const shadow = useRef<HTMLPreElement>(null);
  return (
    <div className="config-editor">
      <pre ref={shadow} className="config-editor-shadow" aria-hidden="true">
        <code>{format === 'json' ? highlightJson(value) : highlightYaml(value)}</code>
        {'\n'}
      </pre>
      <textarea
        id={id}
        className="config-editor-input"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        value={value}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        rows={Math.max(8, value.split('\n').length + 1)}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (shadow.current) {
            shadow.current.scrollTop = e.currentTarget.scrollTop;
            shadow.current.scrollLeft = e.currentTarget.scrollLeft;
          }
        }}
      />
    </div>
  );
}
