// Registers weights (a checkpoint) as the next version of a model, with its lineage: the version
// it was trained from and the dataset version it was trained on. Training runs do this themselves.
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation } from '../common/use-graphql.ts';
import { CREATE_MODEL_VERSION_MUTATION, type CreateModelVersionInput } from './documents/create-model-version.mutation.ts';
import { TOKENIZERS_QUERY } from './documents/tokenizers.query.ts';

export function RegisterVersionForm({ modelId, versions, onCreated }: { modelId: string; versions: Array<{ id: string; version: number }>; onCreated: () => void }): ReactElement {
  const datasets = useConnection(TOKENIZERS_QUERY, {}, (d) => d.datasets);
  const create = useMutation(CREATE_MODEL_VERSION_MUTATION);
  const [parent, setParent] = useState('');
  const [datasetVersion, setDatasetVersion] = useState('');
  const [checkpoint, setCheckpoint] = useState('');
  const [notes, setNotes] = useState('');
  const [message, setMessage] = useState('');
  const ids = { parent: useId(), dataset: useId(), checkpoint: useId(), notes: useId() };
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const input: CreateModelVersionInput = { modelId };
    if (parent) input.parentVersionId = parent;
    if (datasetVersion) input.datasetVersionId = datasetVersion;
    if (checkpoint.trim()) input.checkpointPath = checkpoint.trim();
    if (notes.trim()) input.notes = notes.trim();
    const result = await create.run({ input });
    if (result) {
      setMessage(`Registered version ${result.createModelVersion.version}.`);
      setNotes('');
      setCheckpoint('');
      onCreated();
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="register-title">
      <h3 id="register-title">Register a version</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.parent}>Trained from</label>
          <select id={ids.parent} className="input" value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">Nothing (from scratch)</option>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.dataset}>Trained on</label>
          <select id={ids.dataset} className="input" value={datasetVersion} onChange={(e) => setDatasetVersion(e.target.value)}>
            <option value="">Not recorded</option>
            {(datasets.nodes ?? []).flatMap((d) =>
              d.versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {d.name} v{v.version}
                </option>
              )),
            )}
          </select>
          <PartialListNotice list={datasets} noun="datasets" />
        </div>
        <div className="field">
          <label htmlFor={ids.checkpoint}>Checkpoint folder (optional)</label>
          <input id={ids.checkpoint} className="input code-input" value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.notes}>Notes (optional)</label>
          <input id={ids.notes} className="input" value={notes} onChange={(e) => setNotes(e.target.value)} />
        </div>
      </div>
      {create.error && (
        <p role="alert" className="error-text">
          {create.error}
        </p>
      )}
      <p role="status" aria-live="polite">
        {message}
      </p>
      <button type="submit" className="button" disabled={create.busy}>
        Register version
      </button>
    </form>
  );
}
