// Create a model from a preset (any field overrides it) or a custom architecture, with a tokenizer
// and special tokens, as a language model or a classifier with its labels. Checks the shape before
// sending (width must be a multiple of heads) and a classifier's labels (2 or more, distinct).
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { ARCHITECTURE_OPTIONS, MODEL_OPTIONS } from '../../../schema/options/model-options.ts';
import { describeDefault, graphqlEnumName } from '../../../schema/options/option-spec.ts';
import { formatCount } from '../common/format.ts';
import type { ArchitectureInput, CreateModelInput, ModelTask } from './documents/create-model.mutation.ts';
import type { ModelPreset } from './documents/model-presets.query.ts';
import type { TokenizerSource } from './documents/tokenizers.query.ts';

const DEFAULT_SPECIAL_TOKENS = ['<|endoftext|>', '<context>', '<response>'];
type ArchKey = 'layers' | 'heads' | 'embeddingWidth' | 'contextLength' | 'vocabSize';
// The integer fields of the architecture, with labels and bounds from their declarations (schema/options).
const ARCH_FIELDS = (Object.keys(ARCHITECTURE_OPTIONS) as Array<keyof typeof ARCHITECTURE_OPTIONS>)
  .filter((key): key is ArchKey => ARCHITECTURE_OPTIONS[key].kind === 'int')
  .map((key) => ({ key, label: ARCHITECTURE_OPTIONS[key].label, min: ARCHITECTURE_OPTIONS[key].min, max: ARCHITECTURE_OPTIONS[key].max, help: ARCHITECTURE_OPTIONS[key].description }));
const DROPOUT = ARCHITECTURE_OPTIONS.dropout;
// The task choices, from the task option's declaration (names as the API's ModelTask).
const TASK = MODEL_OPTIONS.task;
const TASKS = TASK.values.map((value) => ({ value: graphqlEnumName(value) as ModelTask, label: value === 'classification' ? 'Classification (a label per text)' : 'Language model (next token)' }));
const DEFAULT_TASK = describeDefault(TASK) as ModelTask;
const MAX_LABELS = MODEL_OPTIONS.numLabels.max;

/** The label names typed one per line, and what is wrong with them (null when fine). */
export function parseLabels(text: string): { labels: string[]; error: string | null } {
  const labels = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
  if (labels.length < 2) return { labels, error: 'A classifier needs at least 2 labels, one per line.' };
  if (labels.length > MAX_LABELS) return { labels, error: `A classifier takes at most ${MAX_LABELS} labels (${labels.length} given).` };
  if (repeated) return { labels, error: `The label "${repeated}" is listed twice.` };
  const tooLong = labels.find((l) => l.length > 100);
  if (tooLong) return { labels, error: `The label "${tooLong.slice(0, 20)}…" is longer than 100 characters.` };
  return { labels, error: null };
}

/** GPT-2 style parameter count with a tied embedding (an estimate before the server's exact one). */
export function estimateParameters(a: { layers: number; embeddingWidth: number; contextLength: number; vocabSize: number; bias: boolean }): number {
  const w = a.embeddingWidth;
  const perLayer = 12 * w * w + (a.bias ? 13 * w : 4 * w);
  return a.vocabSize * w + a.contextLength * w + a.layers * perLayer + (a.bias ? 2 * w : w);
}

export interface CreateModelFormProps {
  presets: ModelPreset[];
  tokenizers: TokenizerSource[];
  busy?: boolean;
  error?: string | null;
  onSubmit: (input: CreateModelInput) => void | Promise<void>;
}

export function CreateModelForm({ presets, tokenizers, busy = false, error, onSubmit }: CreateModelFormProps): ReactElement {
  const ids = { name: useId(), desc: useId(), preset: useId(), tokenizer: useId(), special: useId(), dropout: useId(), base: useId(), task: useId(), labels: useId(), labelsHelp: useId() };
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [mode, setMode] = useState<'preset' | 'custom'>('preset');
  const [presetName, setPresetName] = useState(presets[0]?.name ?? 'tiny');
  const [overrides, setOverrides] = useState<Partial<Record<ArchKey, number>>>({});
  const [custom, setCustom] = useState<Record<ArchKey, number>>({ layers: 4, heads: 4, embeddingWidth: 128, contextLength: 256, vocabSize: 4096 });
  const [dropout, setDropout] = useState(0);
  const [bias, setBias] = useState(true);
  const [tokenizerId, setTokenizerId] = useState('');
  const [specialTokens, setSpecialTokens] = useState(DEFAULT_SPECIAL_TOKENS.join('\n'));
  const [task, setTask] = useState<ModelTask>(DEFAULT_TASK);
  const [labelText, setLabelText] = useState('');
  const preset = presets.find((p) => p.name === presetName);
  const tokenizerVersion = tokenizers.flatMap((d) => d.versions).find((v) => v.id === tokenizerId);

  const value = (key: ArchKey): number => {
    if (key === 'vocabSize' && tokenizerVersion) return tokenizerVersion.vocabSize;
    if (mode === 'custom') return custom[key];
    return overrides[key] ?? preset?.[key] ?? 0;
  };
  const setValue = (key: ArchKey, v: number): void => {
    if (mode === 'custom') setCustom((c) => ({ ...c, [key]: v }));
    else setOverrides((o) => ({ ...o, [key]: v }));
  };
  const shape = { layers: value('layers'), heads: value('heads'), embeddingWidth: value('embeddingWidth'), contextLength: value('contextLength'), vocabSize: value('vocabSize'), bias: mode === 'custom' ? bias : (preset?.bias ?? true) };
  const shapeError = shape.heads > 0 && shape.embeddingWidth % shape.heads !== 0 ? `The width (${shape.embeddingWidth}) must be a multiple of the heads (${shape.heads}).` : null;

  const classifier = task === 'CLASSIFICATION';
  const labels = classifier ? parseLabels(labelText) : null;
  const labelError = labels && labelText.trim() ? labels.error : null;
  const blocked = Boolean(shapeError) || Boolean(labels?.error);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (blocked) return;
    const input: CreateModelInput = { name: name.trim() };
    if (description.trim()) input.description = description.trim();
    let architecture: ArchitectureInput;
    if (mode === 'preset') {
      input.preset = presetName;
      architecture = { ...overrides };
    } else architecture = { ...custom, dropout, bias };
    if (tokenizerVersion) {
      input.tokenizerId = tokenizerVersion.id;
      architecture.vocabSize = tokenizerVersion.vocabSize;
    }
    if (Object.keys(architecture).length) input.architecture = architecture;
    const tokens = specialTokens
      .split('\n')
      .map((t) => t.trim())
      .filter(Boolean);
    if (tokens.join('\n') !== DEFAULT_SPECIAL_TOKENS.join('\n')) input.specialTokens = tokens;
    if (labels) {
      input.task = task;
      input.labels = labels.labels;
    }
    void onSubmit(input);
  };

  return (
    <form className="form" onSubmit={submit} aria-labelledby="create-model-title">
      <h3 id="create-model-title">New model</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.name}>Model name</label>
          <input id={ids.name} className="input" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.desc}>Description (optional)</label>
          <input id={ids.desc} className="input" value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.task}>{TASK.label}</label>
          <select id={ids.task} className="input" title={TASK.description} value={task} onChange={(e) => setTask(e.target.value as ModelTask)}>
            {TASKS.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        {classifier && (
          <div className="field">
            <label htmlFor={ids.labels}>Labels, one per line</label>
            <textarea id={ids.labels} className="input code-input" rows={4} required aria-describedby={ids.labelsHelp} aria-invalid={labelError ? true : undefined} value={labelText} onChange={(e) => setLabelText(e.target.value)} />
            <small id={ids.labelsHelp}>The order is the order of the model’s outputs. Training needs every label of the dataset here.</small>
          </div>
        )}
      </div>
      {labelError && (
        <p role="alert" className="error-text">
          {labelError}
        </p>
      )}
      <fieldset className="field">
        <legend>Architecture</legend>
        <label className="check">
          <input type="radio" name={`${ids.base}-mode`} checked={mode === 'preset'} onChange={() => setMode('preset')} /> From a preset
        </label>
        <label className="check">
          <input type="radio" name={`${ids.base}-mode`} checked={mode === 'custom'} onChange={() => setMode('custom')} /> Custom
        </label>
      </fieldset>
      {mode === 'preset' && (
        <div className="field">
          <label htmlFor={ids.preset}>Preset</label>
          <select
            id={ids.preset}
            className="input"
            value={presetName}
            onChange={(e) => {
              setPresetName(e.target.value);
              setOverrides({});
            }}
          >
            {presets.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({formatCount(p.parameterCount)} parameters)
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="form-grid">
        {ARCH_FIELDS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`${ids.base}-${f.key}`}>{f.label}</label>
            <input
              id={`${ids.base}-${f.key}`}
              className="input"
              type="number"
              min={f.min}
              max={f.max}
              step={1}
              title={f.help}
              required
              value={value(f.key)}
              disabled={f.key === 'vocabSize' && Boolean(tokenizerVersion)}
              onChange={(e) => setValue(f.key, Number(e.target.value))}
            />
          </div>
        ))}
        {mode === 'custom' && (
          <>
            <div className="field">
              <label htmlFor={ids.dropout}>{DROPOUT.label}</label>
              <input id={ids.dropout} className="input" type="number" min={DROPOUT.min} max={0.99} step={0.01} title={DROPOUT.description} value={dropout} onChange={(e) => setDropout(Number(e.target.value))} />
            </div>
            <label className="check">
              <input type="checkbox" checked={bias} onChange={(e) => setBias(e.target.checked)} /> Bias in linear layers and norms
            </label>
          </>
        )}
      </div>
      {shapeError && (
        <p role="alert" className="error-text">
          {shapeError}
        </p>
      )}
      <p aria-live="polite" data-testid="parameter-estimate">
        About {formatCount(estimateParameters(shape))} parameters.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.tokenizer}>Tokenizer</label>
          <select id={ids.tokenizer} className="input" value={tokenizerId} onChange={(e) => setTokenizerId(e.target.value)}>
            <option value="">None yet (choose when training)</option>
            {tokenizers.flatMap((d) =>
              d.versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {d.name} v{v.version} ({v.vocabSize} tokens)
                </option>
              )),
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.special}>Special tokens, one per line</label>
          <textarea id={ids.special} className="input code-input" rows={3} value={specialTokens} onChange={(e) => setSpecialTokens(e.target.value)} />
        </div>
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy || blocked}>
        {busy ? 'Creating…' : 'Create model'}
      </button>
    </form>
  );
}
