// A version's tags: a list anyone reads; for owners, a remove button per tag and a small form
// that adds one (plain buttons and a labelled input, so it works from the keyboard alone).
import { useId, useState, type FormEvent, type ReactElement } from 'react';

/** The tags most teams use; any other word of the server's rule works too. */
export const SUGGESTED_TAGS = ['production', 'staging'] as const;

export interface VersionTagsProps {
  tags: string[];
  canChange: boolean;
  busy: boolean;
  /** The server's answer to the last change, e.g. a refused tag. */
  error: string | null;
  /** Resolves true when the tag was added (the input then clears). */
  onAdd: (tag: string) => Promise<boolean>;
  onRemove: (tag: string) => void;
}

export function VersionTags({ tags, canChange, busy, error, onAdd, onRemove }: VersionTagsProps): ReactElement {
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const hintId = useId();
  const listId = useId();
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (await onAdd(draft.trim())) setDraft('');
  };
  return (
    <div className="version-tags" data-testid="version-tags">
      {tags.length === 0 ? (
        <p className="muted">No tags.</p>
      ) : (
        <ul className="tag-list" aria-label="Tags">
          {tags.map((tag) => (
            <li key={tag}>
              <span className="badge">{tag}</span>
              {canChange && (
                <button type="button" className="link-button" aria-label={`Remove tag ${tag}`} disabled={busy} onClick={() => onRemove(tag)}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canChange && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor={inputId}>Add a tag</label>
          <input id={inputId} className="input" value={draft} list={listId} aria-describedby={hintId} maxLength={40} onChange={(e) => setDraft(e.target.value)} />
          <datalist id={listId}>
            {SUGGESTED_TAGS.filter((t) => !tags.includes(t)).map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <button type="submit" className="button" disabled={busy || !draft.trim()}>
            Add tag
          </button>
          <span id={hintId} className="muted">
            a-z, 0-9, “.”, “_”, “-”; a tag moves here from any other version of this model
          </span>
        </form>
      )}
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
    </div>
  );
}
