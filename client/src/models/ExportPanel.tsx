// Export a model version: pick a format and the export options (fields derived from
// EXPORT_OPTIONS, declared once in schema/options), start the model.export job, and follow it with
// the jobs' <JobProgress> (live bar, cancel). The finished artifact shows up in the version's
// ArtifactsTable (onFinished).
import { useId, useState, type ReactElement } from 'react';
import { EXPORT_OPTIONS } from '../../../schema/options/export-options.ts';
import { type OptionSpec } from '../../../schema/options/option-spec.ts';
import { graphqlClient } from '../api/client.ts';
import { JobProgress } from '../jobs/JobProgress.tsx';
import type { JobView } from '../jobs/documents/job-fields.ts';
import { FORMAT_LABELS } from './ArtifactsTable.tsx';
import { EXPORT_MODEL_VERSION_MUTATION, type ExportJob, type ExportOptionsInput } from './documents/export-model-version.mutation.ts';

type FormatName = keyof typeof FORMAT_LABELS;
const FORMATS = Object.keys(FORMAT_LABELS) as FormatName[];
const FINISHED: ReadonlyArray<ExportJob['status']> = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** The form's value of an option: GraphQL enums in upper case, as the API speaks. */
function initialValue(spec: OptionSpec): string | boolean {
  if (spec.kind === 'bool') return spec.default;
  const value = String(spec.default);
  return spec.kind === 'enum' && spec.graphqlEnum ? value.toUpperCase() : value;
}

const OPTION_KEYS = Object.keys(EXPORT_OPTIONS) as Array<keyof typeof EXPORT_OPTIONS>;

export function ExportPanel({ versionId, onFinished }: { versionId: string; onFinished?: (job: JobView) => void }): ReactElement {
  const id = useId();
  const [format, setFormat] = useState<FormatName>('HUGGING_FACE');
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(OPTION_KEYS.map((key) => [key, initialValue(EXPORT_OPTIONS[key])])));
  const [job, setJob] = useState<ExportJob | null>(null);
  // Set by JobProgress when the job ends, so the form opens again.
  const [ended, setEnded] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Array<{ field: string; message: string }>>([]);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const running = job !== null && !FINISHED.includes(job.status) && ended !== job.id;

  const submit = async (): Promise<void> => {
    setFieldErrors([]);
    setStartError(null);
    const options: ExportOptionsInput = {};
    for (const key of OPTION_KEYS) {
      const spec = EXPORT_OPTIONS[key];
      const value = values[key]!;
      options[key] = spec.kind === 'int' ? Number(value) : value;
    }
    setStarting(true);
    const result = await graphqlClient.mutation(EXPORT_MODEL_VERSION_MUTATION, { versionId, format, options }).toPromise();
    setStarting(false);
    const errors = (result.error?.graphQLErrors[0]?.extensions?.fieldErrors as Array<{ field: string; message: string }> | undefined) ?? [];
    setFieldErrors(errors);
    if (result.data) setJob(result.data.exportModelVersion);
    else if (!errors.length) setStartError(result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? 'the export could not start');
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="export-panel">
      <h4 id={`${id}-title`}>Export this version</h4>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor={`${id}-format`}>Format</label>
        <select id={`${id}-format`} className="input" value={format} onChange={(e) => setFormat(e.target.value as FormatName)} disabled={running}>
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </select>
        {OPTION_KEYS.map((key) => {
          const spec = EXPORT_OPTIONS[key] as OptionSpec;
          const fieldId = `${id}-${key}`;
          const error = fieldErrors.find((e) => e.field === `options.${key}`);
          return (
            <span key={key} className="field" title={spec.description}>
              {spec.kind === 'bool' ? (
                <label htmlFor={fieldId}>
                  <input id={fieldId} type="checkbox" checked={values[key] === true} disabled={running} onChange={(e) => setValues({ ...values, [key]: e.target.checked })} /> {spec.label}
                </label>
              ) : (
                <>
                  <label htmlFor={fieldId}>{spec.label}</label>
                  {spec.kind === 'enum' ? (
                    <select id={fieldId} className="input" value={String(values[key])} disabled={running} onChange={(e) => setValues({ ...values, [key]: e.target.value })}>
                      {spec.values.map((v) => (
                        <option key={v} value={v.toUpperCase()}>
                          {v}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={fieldId}
                      className="input"
                      type="number"
                      value={String(values[key])}
                      disabled={running}
                      {...(spec.kind === 'int' ? { min: spec.min, max: spec.max, step: 1 } : {})}
                      onChange={(e) => setValues({ ...values, [key]: e.target.value })}
                      aria-invalid={error ? true : undefined}
                    />
                  )}
                </>
              )}
              {error && <span className="error-text">{error.message}</span>}
            </span>
          );
        })}
        <button type="submit" className="button primary" disabled={running || starting}>
          {running ? 'Exporting…' : 'Export'}
        </button>
      </form>
      {fieldErrors
        .filter((e) => !e.field.startsWith('options.'))
        .map((e) => (
          <p key={e.field} role="alert" className="error-text">
            {e.field}: {e.message}
          </p>
        ))}
      {startError && (
        <p role="alert" className="error-text">
          {startError}
        </p>
      )}
      {job && (
        <JobProgress
          key={job.id}
          jobId={job.id}
          onFinished={(finished) => {
            setEnded(finished.id);
            onFinished?.(finished);
          }}
        />
      )}
    </section>
  );
}
