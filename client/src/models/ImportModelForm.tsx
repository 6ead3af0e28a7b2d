// Import a Hugging Face GPT-2 checkpoint: pick a tar, tar.gz or zip of the folder, name it, list
// extra special tokens; the archive uploads with a progress bar, then the 'model.import' job
// runs and its progress is shown until the model exists (a link) or the error is shown next to
// the field it concerns.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { graphqlClient } from '../api/client.ts';
import { cleanMessage } from '../common/errors.ts';
import { formatBytes } from '../common/format.ts';
import { Link } from '../common/router.tsx';
import { UploadAbortedError, uploadFile, type UploadHandle } from '../datasets/upload.ts';
import { IMPORT_JOB_QUERY, IMPORT_MODEL_MUTATION, type ImportJob } from './documents/import-model.mutation.ts';

const POLL_MS = 1000;

type Field = 'file' | 'name' | 'specialTokens' | 'form';

/** "input.name: must be …; input.uploadId: …" (a ValidationError's message) → the message per form field. */
export function fieldErrorsOf(message: string): Partial<Record<Field, string>> {
  const fields: Record<string, Field> = { 'input.name': 'name', 'input.uploadId': 'file', 'input.specialTokens': 'specialTokens' };
  const out: Partial<Record<Field, string>> = {};
  for (const part of message.split(/;\s(?=input\.)/)) {
    const match = /^(input\.[A-Za-z]+)(?:\.\d+)?: ([\s\S]*)$/.exec(part);
    const field = match ? fields[match[1]!] : undefined;
    if (field && match) out[field] = out[field] ? `${out[field]}; ${match[2]}` : match[2];
    else out.form = out.form ? `${out.form}; ${part}` : part;
  }
  return out;
}

type Phase = { kind: 'editing' } | { kind: 'uploading'; loaded: number; total: number } | { kind: 'importing'; job: ImportJob } | { kind: 'done'; modelId: string };

export interface ImportModelFormProps {
  /** For tests. */
  upload?: typeof uploadFile;
}

export function ImportModelForm({ upload = uploadFile }: ImportModelFormProps): ReactElement {
  const ids = { file: useId(), name: useId(), tokens: useId(), desc: useId() };
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [tokens, setTokens] = useState('');
  const [description, setDescription] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const handle = useRef<UploadHandle | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
      handle.current?.abort();
    },
    [],
  );

  const follow = async (job: ImportJob): Promise<void> => {
    let current = job;
    while (alive.current && (current.status === 'QUEUED' || current.status === 'IN_PROGRESS')) {
      setPhase({ kind: 'importing', job: current });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const result = await graphqlClient.query(IMPORT_JOB_QUERY, { id: current.id }, { requestPolicy: 'network-only' }).toPromise();
      if (result.error || !result.data) {
        setErrors({ form: cleanMessage(result.error?.message ?? 'the import job could not be read') });
        setPhase({ kind: 'editing' });
        return;
      }
      current = result.data.job;
    }
    if (!alive.current) return;
    if (current.status === 'COMPLETED' && current.resultId) {
      setPhase({ kind: 'done', modelId: current.resultId });
      return;
    }
    setErrors(fieldErrorsOf(current.status === 'CANCELLED' ? 'The import was cancelled' : (current.errorMessage ?? 'The import failed')));
    setPhase({ kind: 'editing' });
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const problems: Partial<Record<Field, string>> = {};
    if (!file) problems.file = 'Choose a tar, tar.gz or zip archive of the model folder';
    if (!name.trim()) problems.name = 'Give the model a name';
    setErrors(problems);
    if (!file || Object.keys(problems).length) return;
    setPhase({ kind: 'uploading', loaded: 0, total: file.size });
    const h = upload(file, (loaded, total) => setPhase((p) => (p.kind === 'uploading' ? { kind: 'uploading', loaded, total } : p)));
    handle.current = h;
    let uploadId: string;
    try {
      uploadId = (await h.promise).id;
    } catch (error) {
      setErrors({ file: error instanceof UploadAbortedError ? 'Upload cancelled' : error instanceof Error ? error.message : String(error) });
      setPhase({ kind: 'editing' });
      return;
    }
    const specialTokens = tokens
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const result = await graphqlClient.mutation(IMPORT_MODEL_MUTATION, { input: { uploadId, name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), ...(specialTokens.length ? { specialTokens } : {}) } }).toPromise();
    if (result.error || !result.data) {
      setErrors(fieldErrorsOf(cleanMessage(result.error?.message ?? 'The import could not start')));
      setPhase({ kind: 'editing' });
      return;
    }
    await follow(result.data.importModel);
  };

  const busy = phase.kind === 'uploading' || phase.kind === 'importing';
  const percent = phase.kind === 'uploading' && phase.total > 0 ? Math.floor((phase.loaded / phase.total) * 100) : 0;
  const described = (field: Field, id: string): { 'aria-invalid'?: true; 'aria-describedby'?: string } => (errors[field] ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {});
  const errorFor = (field: Field, id: string): ReactElement | null =>
    errors[field] ? (
      <p id={`${id}-error`} className="error-text" role="alert">
        {errors[field]}
      </p>
    ) : null;

  return (
    <section className="panel" id="import-model-panel" aria-labelledby="import-model-title">
      <h3 id="import-model-title">Import a Hugging Face GPT-2 checkpoint</h3>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-grid">
          <div className="field field-wide">
            <label htmlFor={ids.file}>Archive of the model folder (tar, tar.gz or zip with config.json, model.safetensors and tokenizer.json or vocab.json + merges.txt)</label>
            <input
              id={ids.file}
              type="file"
              accept=".tar,.tar.gz,.tgz,.zip"
              disabled={busy}
              {...described('file', ids.file)}
              onChange={(e) => {
                const chosen = e.target.files?.[0] ?? null;
                setFile(chosen);
                if (chosen && !name) setName(chosen.name.replace(/\.(tar\.gz|tgz|tar|zip)$/i, ''));
              }}
            />
            {errorFor('file', ids.file)}
          </div>
          <div className="field">
            <label htmlFor={ids.name}>Model name</label>
            <input id={ids.name} className="input" value={name} disabled={busy} onChange={(e) => setName(e.target.value)} {...described('name', ids.name)} />
            {errorFor('name', ids.name)}
          </div>
          <div className="field">
            <label htmlFor={ids.tokens}>Extra special tokens, comma-separated (&lt;context&gt; and &lt;response&gt; are always added)</label>
            <input id={ids.tokens} className="input" value={tokens} disabled={busy} onChange={(e) => setTokens(e.target.value)} {...described('specialTokens', ids.tokens)} />
            {errorFor('specialTokens', ids.tokens)}
          </div>
          <div className="field field-wide">
            <label htmlFor={ids.desc}>Description (optional)</label>
            <input id={ids.desc} className="input" value={description} disabled={busy} onChange={(e) => setDescription(e.target.value)} />
          </div>
        </div>
        {errorFor('form', 'import-form')}
        {phase.kind === 'uploading' && (
          <div className="upload-status">
            <progress max={100} value={percent} aria-label="Upload of the archive" />
            <p role="status" aria-live="polite">{`Uploading: ${percent}% (${formatBytes(phase.loaded)} of ${formatBytes(phase.total)})`}</p>
            <button type="button" className="button" onClick={() => handle.current?.abort()}>
              Cancel upload
            </button>
          </div>
        )}
        {phase.kind === 'importing' && (
          <div className="upload-status">
            <progress max={100} value={Math.round(phase.job.progress * 100)} aria-label="Import" />
            <p role="status" aria-live="polite">{`Importing: ${Math.round(phase.job.progress * 100)}% ${phase.job.progressText}`}</p>
          </div>
        )}
        {phase.kind === 'done' && (
          <p role="status" aria-live="polite">
            Imported. <Link to={`/models/${encodeURIComponent(phase.modelId)}`}>Open the model</Link>
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={busy}>
          Import
        </button>
      </form>
    </section>
  );
}
