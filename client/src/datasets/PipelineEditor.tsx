// Builds a preprocessing pipeline: add, order, configure and remove steps (plugins included),
// then runs it on a version, which creates a new version.
import { useId, useRef, useState, type ReactElement } from 'react';
import { JsonView } from '../common/JsonView.tsx';
import { useMutation, useQuery } from '../common/use-graphql.ts';
import { PIPELINE_PLUGINS_QUERY } from './documents/pipeline-plugins.query.ts';
import { RUN_PIPELINE_MUTATION } from './documents/run-pipeline.mutation.ts';

export type StepType = 'normalize' | 'lowercase' | 'collapseWhitespace' | 'stripControl' | 'lengthFilter' | 'dedupe' | 'regexDrop' | 'regexReplace' | 'augment' | 'split' | 'plugin';

export type Step = { type: StepType } & Record<string, unknown>;

export const STEP_LABELS: Record<StepType, string> = {
  normalize: 'Unicode normalization',
  lowercase: 'Lower-case',
  collapseWhitespace: 'Collapse white space',
  stripControl: 'Strip control characters',
  lengthFilter: 'Length filter',
  dedupe: 'Remove duplicates',
  regexDrop: 'Drop records matching a pattern',
  regexReplace: 'Replace a pattern',
  augment: 'Augment (seeded noise)',
  split: 'Train/validation split',
  plugin: 'Plugin step',
};

export function defaultStep(type: StepType): Step {
  switch (type) {
    case 'normalize':
      return { type, form: 'NFC' };
    case 'lengthFilter':
      return { type, minChars: 1 };
    case 'regexDrop':
      return { type, pattern: '', flags: '' };
    case 'regexReplace':
      return { type, pattern: '', replacement: '', flags: 'g' };
    case 'augment':
      return { type, seed: 0, wordDeletion: 0.05, wordSwap: 0.05, charNoise: 0, keepOriginal: true };
    case 'split':
      return { type, validationFraction: 0.1, seed: 0 };
    case 'plugin':
      return { type, name: '', options: {} };
    default:
      return { type };
  }
}

interface FieldSpec {
  key: string;
  label: string;
  kind: 'number' | 'text' | 'checkbox' | 'select';
  options?: string[];
  step?: number;
}

const FIELDS: Partial<Record<StepType, FieldSpec[]>> = {
  normalize: [{ key: 'form', label: 'Form', kind: 'select', options: ['NFC', 'NFKC'] }],
  lengthFilter: [
    { key: 'minChars', label: 'Minimum characters', kind: 'number', step: 1 },
    { key: 'maxChars', label: 'Maximum characters', kind: 'number', step: 1 },
  ],
  regexDrop: [
    { key: 'pattern', label: 'Pattern', kind: 'text' },
    { key: 'flags', label: 'Flags', kind: 'text' },
  ],
  regexReplace: [
    { key: 'pattern', label: 'Pattern', kind: 'text' },
    { key: 'replacement', label: 'Replacement', kind: 'text' },
    { key: 'flags', label: 'Flags', kind: 'text' },
  ],
  augment: [
    { key: 'seed', label: 'Seed', kind: 'number', step: 1 },
    { key: 'wordDeletion', label: 'Word deletion probability', kind: 'number', step: 0.01 },
    { key: 'wordSwap', label: 'Word swap probability', kind: 'number', step: 0.01 },
    { key: 'charNoise', label: 'Character noise probability', kind: 'number', step: 0.01 },
    { key: 'keepOriginal', label: 'Keep the original record too', kind: 'checkbox' },
  ],
  split: [
    { key: 'validationFraction', label: 'Validation fraction', kind: 'number', step: 0.01 },
    { key: 'seed', label: 'Seed', kind: 'number', step: 1 },
  ],
};

function StepFields({ step, index, plugins, onChange }: { step: Step; index: number; plugins: Array<{ name: string; description: string }>; onChange: (step: Step) => void }): ReactElement {
  const base = useId();
  const [optionsText, setOptionsText] = useState(() => JSON.stringify(step.options ?? {}, null, 2));
  const [optionsError, setOptionsError] = useState<string | null>(null);
  if (step.type === 'plugin') {
    return (
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${base}-plugin`}>Plugin (step {index + 1})</label>
          <select id={`${base}-plugin`} className="input" value={String(step.name ?? '')} onChange={(e) => onChange({ ...step, name: e.target.value })}>
            <option value="">Choose a plugin…</option>
            {plugins.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} — {p.description}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-wide">
          <label htmlFor={`${base}-options`}>Plugin options (JSON)</label>
          <textarea
            id={`${base}-options`}
            className="input code-input"
            rows={3}
            value={optionsText}
            aria-invalid={optionsError ? true : undefined}
            onChange={(e) => {
              setOptionsText(e.target.value);
              try {
                onChange({ ...step, options: JSON.parse(e.target.value || '{}') as unknown });
                setOptionsError(null);
              } catch {
                setOptionsError('Not valid JSON');
              }
            }}
          />
          {optionsError && <span className="error-text">{optionsError}</span>}
        </div>
      </div>
    );
  }
  const fields = FIELDS[step.type] ?? [];
  if (!fields.length) return <p className="muted">No settings.</p>;
  return (
    <div className="form-grid">
      {fields.map((f) => {
        const id = `${base}-${f.key}`;
        const label = `${f.label} (step ${index + 1})`;
        if (f.kind === 'checkbox')
          return (
            <label key={f.key} className="check">
              <input type="checkbox" checked={Boolean(step[f.key])} onChange={(e) => onChange({ ...step, [f.key]: e.target.checked })} /> {label}
            </label>
          );
        return (
          <div className="field" key={f.key}>
            <label htmlFor={id}>{label}</label>
            {f.kind === 'select' ? (
              <select id={id} className="input" value={String(step[f.key] ?? '')} onChange={(e) => onChange({ ...step, [f.key]: e.target.value })}>
                {f.options!.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                className="input"
                type={f.kind}
                step={f.step}
                value={String(step[f.key] ?? '')}
                onChange={(e) => onChange({ ...step, [f.key]: f.kind === 'number' ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value })}
              />
            )}
          </div>
        );
      })}
    </div>
  );
}

export interface PipelineEditorProps {
  versionId: string;
  versionNumber: number;
  onCreated: (versionId: string, versionNumber: number) => void;
}

export function PipelineEditor({ versionId, versionNumber, onCreated }: PipelineEditorProps): ReactElement {
  const [steps, setSteps] = useState<Step[]>([defaultStep('normalize'), defaultStep('collapseWhitespace')]);
  // Stable keys, so a step's own state (e.g. plugin options being typed) moves with it.
  const [keys, setKeys] = useState<number[]>([0, 1]);
  const nextKey = useRef(2);
  const [adding, setAdding] = useState<StepType>('dedupe');
  const [newVocab, setNewVocab] = useState('');
  const [created, setCreated] = useState<number | null>(null);
  const plugins = useQuery(PIPELINE_PLUGINS_QUERY, {});
  const run = useMutation(RUN_PIPELINE_MUTATION);
  const addId = useId();
  const vocabId = useId();
  const pluginList = plugins.data?.pipelinePlugins.plugins ?? [];

  function moved<T>(list: T[], index: number, by: number): T[] {
    const next = [...list];
    const [item] = next.splice(index, 1);
    next.splice(index + by, 0, item!);
    return next;
  }
  const move = (index: number, by: number): void => {
    setSteps((s) => moved(s, index, by));
    setKeys((k) => moved(k, index, by));
  };
  const remove = (index: number): void => {
    setSteps((s) => s.filter((_, i) => i !== index));
    setKeys((k) => k.filter((_, i) => i !== index));
  };
  const add = (type: StepType): void => {
    setSteps((s) => [...s, defaultStep(type)]);
    setKeys((k) => [...k, nextKey.current++]);
  };

  const submit = async (): Promise<void> => {
    setCreated(null);
    const pipeline = { steps: steps.map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== ''))) };
    const result = await run.run({ input: { versionId, pipeline, ...(newVocab ? { vocabSize: Number(newVocab) } : {}) } });
    if (result) {
      setCreated(result.runDatasetPipeline.version);
      onCreated(result.runDatasetPipeline.id, result.runDatasetPipeline.version);
    }
  };

  return (
    <section className="panel" aria-labelledby="pipeline-title">
      <h3 id="pipeline-title">Preprocessing pipeline on version {versionNumber}</h3>
      <ol className="step-list">
        {steps.map((step, index) => (
          <li key={keys[index] ?? index} className="step">
            <div className="step-header">
              <strong>
                {index + 1}. {STEP_LABELS[step.type]}
              </strong>
              <span className="step-actions">
                <button type="button" className="button button-small" onClick={() => move(index, -1)} disabled={index === 0} aria-label={`Move step ${index + 1} up`}>
                  ↑
                </button>
                <button type="button" className="button button-small" onClick={() => move(index, 1)} disabled={index === steps.length - 1} aria-label={`Move step ${index + 1} down`}>
                  ↓
                </button>
                <button type="button" className="button button-small" onClick={() => remove(index)} aria-label={`Remove step ${index + 1}`}>
                  Remove
                </button>
              </span>
            </div>
            <StepFields step={step} index={index} plugins={pluginList} onChange={(next) => setSteps((s) => s.map((x, i) => (i === index ? next : x)))} />
          </li>
        ))}
      </ol>
      {steps.length === 0 && <p className="muted">No steps: add one.</p>}
      <div className="inline-form">
        <label htmlFor={addId}>Step to add</label>
        <select id={addId} className="input" value={adding} onChange={(e) => setAdding(e.target.value as StepType)}>
          {(Object.keys(STEP_LABELS) as StepType[]).map((t) => (
            <option key={t} value={t} disabled={t === 'plugin' && pluginList.length === 0}>
              {STEP_LABELS[t]}
              {t === 'plugin' && pluginList.length === 0 ? ' (no plugins installed)' : ''}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={() => add(adding)}>
          Add step
        </button>
      </div>
      {(plugins.data?.pipelinePlugins.problems.length ?? 0) > 0 && <p className="error-text">Plugins that failed to load: {plugins.data!.pipelinePlugins.problems.map((p) => `${p.file} (${p.error})`).join('; ')}</p>}
      <div className="inline-form">
        <label htmlFor={vocabId}>New tokenizer vocabulary size (empty: reuse the parent's tokenizer)</label>
        <input id={vocabId} className="input" type="number" min={256} value={newVocab} onChange={(e) => setNewVocab(e.target.value)} />
      </div>
      <details>
        <summary>Pipeline as JSON</summary>
        <JsonView value={{ steps }} label="Pipeline JSON" />
      </details>
      {run.error && (
        <p role="alert" className="error-text">
          {run.error}
        </p>
      )}
      <p role="status" aria-live="polite">
        {run.busy ? 'Running the pipeline…' : created !== null ? `Created version ${created}.` : ''}
      </p>
      <button type="button" className="button button-primary" onClick={() => void submit()} disabled={run.busy || steps.length === 0}>
        Run pipeline
      </button>
    </section>
  );
}
