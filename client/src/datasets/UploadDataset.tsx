// Upload by drag-and-drop or file picker, with a real progress bar and cancel, then the column
// mapping (text fields or prompt/response, and a label field for classifier data) and reader
// options, then createDataset.
import { useEffect, useId, useRef, useState, type DragEvent, type FormEvent, type ReactElement } from 'react';
import { formatBytes } from '../common/format.ts';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation } from '../common/use-graphql.ts';
import { TOKENIZERS_QUERY } from '../models/documents/tokenizers.query.ts';
import { CREATE_DATASET_MUTATION, type CreateDatasetInput } from './documents/create-dataset.mutation.ts';
import { sniffFile, type Format, type Sniffed } from './sniff.ts';
import { UploadAbortedError, uploadFile, type UploadHandle } from './upload.ts';

type UploadState = { kind: 'idle' } | { kind: 'uploading'; loaded: number; total: number } | { kind: 'done'; uploadId: string; total: number } | { kind: 'cancelled' } | { kind: 'failed'; message: string };

export interface UploadDatasetProps {
  onCreated: (datasetId: string) => void;
  /** For tests. */
  upload?: typeof uploadFile;
}

export function UploadDataset({ onCreated, upload = uploadFile }: UploadDatasetProps): ReactElement {
  const [file, setFile] = useState<File | null>(null);
  const [sniffed, setSniffed] = useState<Sniffed | null>(null);
  const [state, setState] = useState<UploadState>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const handle = useRef<UploadHandle | null>(null);
  const ids = {
    file: useId(),
    name: useId(),
    format: useId(),
    mode: useId(),
    prompt: useId(),
    response: useId(),
    docs: useId(),
    bad: useId(),
    vocab: useId(),
    desc: useId(),
    tokenizer: useId(),
    fieldsText: useId(),
    label: useId(),
    labelHelp: useId(),
  };
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [format, setFormat] = useState<Format>('TEXT');
  const [mode, setMode] = useState<'text' | 'instruction'>('text');
  const [textFields, setTextFields] = useState<string[]>([]);
  const [promptField, setPromptField] = useState('');
  const [responseField, setResponseField] = useState('');
  // '' : no labels; otherwise the field holding each record's class label
  const [labelField, setLabelField] = useState('');
  const [textDocuments, setTextDocuments] = useState<'FILE' | 'PARAGRAPHS'>('FILE');
  const [badRows, setBadRows] = useState<'FAIL' | 'SKIP'>('FAIL');
  const [vocabSize, setVocabSize] = useState(4096);
  const [tokenizerFrom, setTokenizerFrom] = useState('');
  const create = useMutation(CREATE_DATASET_MUTATION);
  const tokenizers = useConnection(TOKENIZERS_QUERY, {}, (d) => d.datasets);

  useEffect(() => () => handle.current?.abort(), []);

  const start = (chosen: File): void => {
    handle.current?.abort();
    setFile(chosen);
    setName(chosen.name.replace(/\.[^.]+$/, ''));
    void sniffFile(chosen).then((s) => {
      setSniffed(s);
      setFormat(s.format);
      const preferred = s.columns.find((c) => /^(text|content|body)$/i.test(c)) ?? s.columns[0];
      setTextFields(preferred ? [preferred] : []);
      setPromptField(s.columns.find((c) => /prompt|instruction|question/i.test(c)) ?? s.columns[0] ?? '');
      setResponseField(s.columns.find((c) => /response|answer|output/i.test(c)) ?? s.columns[1] ?? '');
      setLabelField('');
    });
    setState({ kind: 'uploading', loaded: 0, total: chosen.size });
    const h = upload(chosen, (loaded, total) => setState((s) => (s.kind === 'uploading' ? { kind: 'uploading', loaded, total } : s)));
    handle.current = h;
    h.promise.then(
      (result) => {
        if (handle.current === h) setState({ kind: 'done', uploadId: result.id, total: result.sizeBytes });
      },
      (error: unknown) => {
        if (handle.current !== h) return;
        setState(error instanceof UploadAbortedError ? { kind: 'cancelled' } : { kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) start(dropped);
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (state.kind !== 'done') return;
    const input: CreateDatasetInput = { uploadId: state.uploadId, name: name.trim(), format, badRows, ...(tokenizerFrom ? { tokenizerFromVersionId: tokenizerFrom } : { vocabSize }) };
    if (description.trim()) input.description = description.trim();
    if (format === 'CSV' || format === 'JSONL' || format === 'TFRECORD') {
      if (mode === 'instruction') {
        input.promptField = promptField;
        input.responseField = responseField;
      } else if (textFields.length) input.textFields = textFields.filter((f) => f !== labelField);
      if (labelField.trim()) input.labelField = labelField.trim();
    }
    if (format === 'CSV' && sniffed?.delimiter) input.csvDelimiter = sniffed.delimiter;
    if (format === 'TEXT') input.textDocuments = textDocuments;
    const result = await create.run({ input });
    if (result) onCreated(result.createDataset.id);
  };

  const columns = sniffed?.columns ?? [];
  const percent = state.kind === 'uploading' && state.total > 0 ? Math.floor((state.loaded / state.total) * 100) : state.kind === 'done' ? 100 : 0;
  const structured = format === 'CSV' || format === 'JSONL' || format === 'TFRECORD';

  return (
    <section className="panel" aria-labelledby="upload-title">
      <h2 id="upload-title">New dataset</h2>
      <div
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <p>Drop a file here (plain text, CSV, JSONL or TFRecord), or</p>
        <label htmlFor={ids.file} className="button">
          Choose a file…
        </label>
        <input
          id={ids.file}
          className="file-input"
          type="file"
          accept=".txt,.text,.md,.csv,.tsv,.jsonl,.ndjson,.json,.tfrecord,.tfrecords,.gz"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            if (chosen) start(chosen);
            e.target.value = '';
          }}
        />
      </div>

      {file && (
        <div className="upload-status">
          <p>
            <strong>{file.name}</strong> ({formatBytes(file.size)})
          </p>
          <progress max={100} value={percent} aria-label={`Upload of ${file.name}`} />
          <p aria-live="polite" role="status" data-testid="upload-status">
            {state.kind === 'uploading' && `Uploading: ${percent}% (${formatBytes(state.loaded)} of ${formatBytes(state.total)})`}
            {state.kind === 'done' && `Uploaded: 100% (${formatBytes(state.total)})`}
            {state.kind === 'cancelled' && 'Upload cancelled.'}
            {state.kind === 'failed' && `Upload failed: ${state.message}`}
          </p>
          {state.kind === 'uploading' && (
            <button type="button" className="button" onClick={() => handle.current?.abort()}>
              Cancel upload
            </button>
          )}
        </div>
      )}

      {file && state.kind !== 'cancelled' && state.kind !== 'failed' && (
        <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="mapping-title">
          <h3 id="mapping-title">Column mapping and options</h3>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={ids.name}>Dataset name</label>
              <input id={ids.name} className="input" required value={name} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={ids.format}>Format</label>
              <select id={ids.format} className="input" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
                <option value="TEXT">Plain text</option>
                <option value="CSV">CSV</option>
                <option value="JSONL">JSON Lines</option>
                <option value="TFRECORD">TFRecord</option>
              </select>
            </div>
            <div className="field field-wide">
              <label htmlFor={ids.desc}>Description (optional)</label>
              <input id={ids.desc} className="input" value={description} onChange={(e) => setDescription(e.target.value)} />
            </div>
            {format === 'TEXT' && (
              <div className="field">
                <label htmlFor={ids.docs}>Documents</label>
                <select id={ids.docs} className="input" value={textDocuments} onChange={(e) => setTextDocuments(e.target.value as 'FILE' | 'PARAGRAPHS')}>
                  <option value="FILE">The whole file is one document</option>
                  <option value="PARAGRAPHS">Split at blank lines</option>
                </select>
              </div>
            )}
            {structured && (
              <div className="field">
                <label htmlFor={ids.mode}>Records become</label>
                <select id={ids.mode} className="input" value={mode} onChange={(e) => setMode(e.target.value as 'text' | 'instruction')}>
                  <option value="text">Training text from fields</option>
                  <option value="instruction">Instruction examples (prompt → response)</option>
                </select>
              </div>
            )}
            {structured && (
              <div className="field">
                <label htmlFor={ids.label}>Label field (for classifiers)</label>
                {columns.length ? (
                  <select
                    id={ids.label}
                    className="input"
                    aria-describedby={ids.labelHelp}
                    value={labelField}
                    onChange={(e) => {
                      setLabelField(e.target.value);
                      setTextFields((fields) => fields.filter((f) => f !== e.target.value));
                    }}
                  >
                    <option value="">None: no labels</option>
                    {columns.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input id={ids.label} className="input" aria-describedby={ids.labelHelp} value={labelField} onChange={(e) => setLabelField(e.target.value)} />
                )}
                <small id={ids.labelHelp}>Each record&apos;s class label; a record without one is a bad row. Leave empty for language-model data.</small>
              </div>
            )}
            {structured && mode === 'text' && columns.length > 0 && (
              <fieldset className="field field-wide">
                <legend>Text fields, joined in this order</legend>
                {columns
                  .filter((column) => column !== labelField)
                  .map((column) => (
                    <label key={column} className="check">
                      <input type="checkbox" checked={textFields.includes(column)} onChange={(e) => setTextFields((fields) => (e.target.checked ? [...fields, column] : fields.filter((f) => f !== column)))} /> {column}
                    </label>
                  ))}
              </fieldset>
            )}
            {structured && mode === 'text' && columns.length === 0 && (
              <div className="field field-wide">
                <label htmlFor={ids.fieldsText}>Text fields, comma-separated (empty: the server's default mapping)</label>
                <input
                  id={ids.fieldsText}
                  className="input"
                  value={textFields.join(', ')}
                  onChange={(e) =>
                    setTextFields(
                      e.target.value
                        .split(',')
                        .map((f) => f.trim())
                        .filter(Boolean),
                    )
                  }
                />
              </div>
            )}
            {structured && mode === 'instruction' && (
              <>
                <div className="field">
                  <label htmlFor={ids.prompt}>Prompt field</label>
                  {columns.length ? (
                    <select id={ids.prompt} className="input" value={promptField} onChange={(e) => setPromptField(e.target.value)}>
                      {columns.map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  ) : (
                    <input id={ids.prompt} className="input" value={promptField} onChange={(e) => setPromptField(e.target.value)} />
                  )}
                </div>
                <div className="field">
                  <label htmlFor={ids.response}>Response field</label>
                  {columns.length ? (
                    <select id={ids.response} className="input" value={responseField} onChange={(e) => setResponseField(e.target.value)}>
                      {columns.map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  ) : (
                    <input id={ids.response} className="input" value={responseField} onChange={(e) => setResponseField(e.target.value)} />
                  )}
                </div>
              </>
            )}
            <div className="field">
              <label htmlFor={ids.bad}>Bad rows</label>
              <select id={ids.bad} className="input" value={badRows} onChange={(e) => setBadRows(e.target.value as 'FAIL' | 'SKIP')}>
                <option value="FAIL">Stop at the first bad row</option>
                <option value="SKIP">Skip and list them in the report</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.tokenizer}>Tokenizer</label>
              <select id={ids.tokenizer} className="input" value={tokenizerFrom} onChange={(e) => setTokenizerFrom(e.target.value)}>
                <option value="">Train a new one on this data</option>
                {(tokenizers.nodes ?? []).flatMap((d) =>
                  d.versions.map((v) => (
                    <option key={v.id} value={v.id}>
                      Reuse {d.name} v{v.version} ({v.vocabSize} tokens)
                    </option>
                  )),
                )}
              </select>
              <PartialListNotice list={tokenizers} noun="datasets to reuse a tokenizer from" />
            </div>
            {!tokenizerFrom && (
              <div className="field">
                <label htmlFor={ids.vocab}>Tokenizer vocabulary size</label>
                <input id={ids.vocab} className="input" type="number" min={256} max={65536} step={1} value={vocabSize} onChange={(e) => setVocabSize(Number(e.target.value))} />
              </div>
            )}
          </div>
          {create.error && (
            <p role="alert" className="error-text">
              {create.error}
            </p>
          )}
          <button type="submit" className="button button-primary" disabled={state.kind !== 'done' || create.busy || !name.trim()}>
            {create.busy ? 'Validating and tokenizing…' : 'Create dataset'}
          </button>
          {create.busy && (
            <p role="status" aria-live="polite" className="muted">
              The server is validating the records and training the tokenizer; this can take a minute.
            </p>
          )}
        </form>
      )}
    </section>
  );
}
