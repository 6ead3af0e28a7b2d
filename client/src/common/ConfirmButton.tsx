// A destructive action asks once more, in place (no modal), and says what it will do.
import { useState, type ReactElement } from 'react';

export function ConfirmButton({ label, confirmLabel, onConfirm, busy = false }: { label: string; confirmLabel: string; onConfirm: () => void; busy?: boolean }): ReactElement {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="button" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="inline-form" role="group" aria-label={label}>
      <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}
