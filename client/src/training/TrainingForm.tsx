// Every hyperparameter as a checked field, and the same config as JSON or YAML: editing either
// updates the other. Launch is refused while any field (or the config text) has a problem.
import { useId, useMemo, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { ConfigEditor } from './ConfigEditor.tsx';
import { FIELDS, GROUPS, formatConfig, formToConfig, initialForm, parseConfigText, validateForm, type Config, type ConfigFormat, type FieldSpec, type FormState } from './config.ts';

export interface TrainingFormProps {
  initial?: FormState;
  busy?: boolean;
  error?: string | null;
  /** Choices of what to train, shown first. */
  children?: ReactNode;
  /** Shown above the launch button, given the current config (null while it has problems). */
  renderEstimate?: (config: Config | null) => ReactNode;
  /** Why launching is not possible yet (e.g. no model chosen). */
  blocked?: string | null;
  onSubmit: (config: Config) => void | Promise<void>;
}

export function TrainingForm({ initial, busy = false, error, children, renderEstimate, blocked, onSubmit }: TrainingFormProps): ReactElement {
  const base = useId();
  const [form, setForm] = useState<FormState>(() => initial ?? initialForm());
  const [format, setFormat] = useState<ConfigFormat>('yaml');
  const [text, setText] = useState(() => formatConfig(formToConfig(initial ?? initialForm()), 'yaml'));
  const [textError, setTextError] = useState<string | null>(null);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const errors = useMemo(() => validateForm(form), [form]);
  const valid = Object.keys(errors).length === 0 && !textError;
  const config = useMemo(() => (valid ? formToConfig(form) : null), [form, valid]);

  const updateForm = (next: FormState): void => {
    setForm(next);
    setText(formatConfig(formToConfig(next), format));
    setTextError(null);
  };
  const setValue = (key: string, value: string): void => updateForm({ ...form, values: { ...form.values, [key]: value } });
  const updateText = (next: string): void => {
    setText(next);
    const parsed = parseConfigText(next, format);
    if ('error' in parsed) setTextError(parsed.error);
    else {
      setTextError(null);
      setForm(parsed.form);
    }
  };
  const switchFormat = (next: ConfigFormat): void => {
    if (next === format) return;
    setFormat(next);
    setText(formatConfig(formToConfig(form), next));
    setTextError(null);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setSubmitted(true);
    if (!valid || blocked) {
      const first = Object.keys(errors)[0];
      if (first) document.getElementById(`${base}-${first}`)?.focus();
      return;
    }
    void onSubmit(formToConfig(form));
  };

  const field = (spec: FieldSpec): ReactElement => {
    const id = `${base}-${spec.key}`;
    const problem = touched[spec.key] || submitted ? errors[spec.key] : undefined;
    const value = form.values[spec.key] ?? '';
    const common = {
      id,
      className: 'input',
      'aria-invalid': Boolean(problem),
      'aria-describedby': `${id}-help${problem ? ` ${id}-error` : ''}`,
      onBlur: () => setTouched((t) => ({ ...t, [spec.key]: true })),
    };
    return (
      <div className="field" key={spec.key}>
        <label htmlFor={id}>{spec.label}</label>
        {spec.kind === 'enum' ? (
          <select {...common} value={value} onChange={(e) => setValue(spec.key, e.target.value)}>
            <option value="">server default</option>
            {spec.options!.map((o) => (
              <option key={o} value={o}>
                {o.toLowerCase()}
              </option>
            ))}
          </select>
        ) : (
          <input {...common} inputMode={spec.kind === 'int' ? 'numeric' : spec.kind === 'float' ? 'decimal' : 'text'} value={value} onChange={(e) => setValue(spec.key, e.target.value)} />
        )}
        <p id={`${id}-help`} className="field-help">
          {spec.help}
        </p>
        {problem && (
          <p id={`${id}-error`} className="field-error">
            {problem}
          </p>
        )}
      </div>
    );
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-labelledby={`${base}-title`}>
      <h3 id={`${base}-title`}>New training run</h3>
      {children}
      <div className="two-columns training-columns">
        <div className="training-fields">
          {GROUPS.map((group) => {
            const toggle = group === 'Early stopping' ? 'earlyStopping' : group === 'LoRA' ? 'lora' : null;
            const on = toggle ? form[toggle] : true;
            return (
              <fieldset className="field" key={group}>
                <legend>{group}</legend>
                {toggle && (
                  <label className="check">
                    <input type="checkbox" checked={on} onChange={(e) => updateForm({ ...form, [toggle]: e.target.checked })} /> {toggle === 'lora' ? 'Train LoRA adapters (needs a base version)' : 'Stop early when validation stops improving'}
                  </label>
                )}
                {on && <div className="form-grid">{FIELDS.filter((f) => f.group === group).map(field)}</div>}
              </fieldset>
            );
          })}
        </div>
        <div className="training-config">
          <fieldset className="field">
            <legend>Config</legend>
            <label className="check">
              <input type="radio" name={`${base}-format`} checked={format === 'yaml'} onChange={() => switchFormat('yaml')} /> YAML
            </label>
            <label className="check">
              <input type="radio" name={`${base}-format`} checked={format === 'json'} onChange={() => switchFormat('json')} /> JSON
            </label>
            <label htmlFor={`${base}-config`}>Config ({format.toUpperCase()}), kept in step with the form</label>
            <ConfigEditor id={`${base}-config`} value={text} format={format} invalid={Boolean(textError)} describedBy={textError ? `${base}-config-error` : undefined} onChange={updateText} />
            {textError && (
              <p id={`${base}-config-error`} className="field-error" role="alert">
                {textError}
              </p>
            )}
          </fieldset>
        </div>
      </div>
      {renderEstimate?.(config)}
      {submitted && !valid && (
        <p role="alert" className="error-text">
          {textError ? 'Fix the config text first.' : `Fix ${Object.keys(errors).length} field${Object.keys(errors).length === 1 ? '' : 's'} first.`}
        </p>
      )}
      {blocked && <p className="muted">{blocked}</p>}
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy || Boolean(blocked)}>
        {busy ? 'Launching…' : 'Launch run'}
      </button>
    </form>
  );
}
