// Evaluation: a model version on a dataset version with chosen metrics (built-in and plugins);
// results of every version on that dataset version, side by side. A classifier is evaluated on
// accuracy and macro-F1 over the held-out split, with its per-label scores and confusion matrix.
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { useLocation } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { EVALUATE_MUTATION } from './documents/evaluate.mutation.ts';
import { EVALUATION_METRICS_QUERY } from './documents/evaluation-metrics.query.ts';
import { EVALUATIONS_QUERY } from './documents/evaluations.query.ts';
import { TRAINING_DATASETS_QUERY } from '../training/documents/training-datasets.query.ts';
import { TRAINING_MODEL_VERSIONS_QUERY } from '../training/documents/training-model-versions.query.ts';
import { ClassificationReport } from './ClassificationReport.tsx';
import { EvaluationResultsTable } from './EvaluationResultsTable.tsx';

/** The metrics of a CLASSIFICATION model (the server refuses the others for one). */
const CLASSIFIER_METRICS = ['accuracy', 'macro_f1'];
/** Held-out examples a classifier is evaluated on unless changed. */
const CLASSIFIER_EXAMPLES = '1000';

export function EvaluationPage(): ReactElement {
  const session = useSession();
  const { search } = useLocation();
  const ids = { version: useId(), dataset: useId(), examples: useId(), tokens: useId(), windows: useId() };
  const modelVersions = useConnection(TRAINING_MODEL_VERSIONS_QUERY, {}, (d) => d.modelVersions);
  const datasets = useConnection(TRAINING_DATASETS_QUERY, {}, (d) => d.datasets);
  const metricList = useQuery(EVALUATION_METRICS_QUERY, {});
  const [modelVersionId, setModelVersionId] = useState(search.get('modelVersion') ?? '');
  const [datasetVersionId, setDatasetVersionId] = useState(search.get('datasetVersion') ?? '');
  const [chosen, setChosen] = useState<string[] | null>(null);
  // classifierExamples: the examples field while a classifier is chosen (its own default, kept apart)
  const [options, setOptions] = useState({ maxExamples: '8', maxNewTokens: '16', maxWindows: '8', classifierExamples: CLASSIFIER_EXAMPLES });
  const [notice, setNotice] = useState<string | null>(null);
  const evaluate = useMutation(EVALUATE_MUTATION);
  const results = useConnection(EVALUATIONS_QUERY, { filter: { datasetVersionId } }, (d) => d.evaluations, { pause: !datasetVersionId });
  const versions = modelVersions.nodes ?? [];
  const classifier = versions.find((v) => v.id === modelVersionId)?.model?.task === 'CLASSIFICATION';
  const available = (metricList.data?.evaluationMetrics ?? []).filter((m) => !classifier || CLASSIFIER_METRICS.includes(m.name));
  // Scoring metrics by default: they need no generation, so they are quick; a classifier's own two otherwise.
  const selected = (chosen ?? (classifier ? CLASSIFIER_METRICS : available.filter((m) => m.name === 'perplexity' || m.name === 'token_accuracy').map((m) => m.name))).filter((name) => !classifier || CLASSIFIER_METRICS.includes(name));
  const optionKeys = classifier ? (['classifierExamples'] as const) : (['maxWindows', 'maxExamples', 'maxNewTokens'] as const);
  const optionError = optionKeys.map((key) => options[key]).find((v) => !/^\d+$/.test(v.trim()) || Number(v) < 1);
  const canRun = session?.user.role !== 'VIEWER';

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!modelVersionId || !datasetVersionId || !selected.length || optionError) return;
    setNotice(null);
    const result = await evaluate.run({
      modelVersionId,
      datasetVersionId,
      metrics: selected,
      options: classifier ? { maxExamples: Number(options.classifierExamples) } : { maxExamples: Number(options.maxExamples), maxNewTokens: Number(options.maxNewTokens), maxWindows: Number(options.maxWindows) },
    });
    if (result) {
      setNotice(`Evaluated ${result.evaluate.modelVersion?.model?.name ?? 'the model'} v${result.evaluate.modelVersion?.version ?? ''}.`);
      results.reload();
    }
  };

  const datasetVersions = (datasets.nodes ?? []).flatMap((d) => d.versions.map((v) => ({ id: v.id, label: `${d.name} v${v.version}` })));
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Evaluation</h2>
      </div>
      <section className="panel" aria-labelledby="evaluate-title">
        <h3 id="evaluate-title">Evaluate a model version</h3>
        <form className="form" onSubmit={(e) => void submit(e)}>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={ids.version}>Model version</label>
              <select
                id={ids.version}
                className="input"
                value={modelVersionId}
                onChange={(e) => {
                  setModelVersionId(e.target.value);
                  setChosen(null);
                }}
              >
                <option value="">Choose a version…</option>
                {versions.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.model?.name ?? 'model'} v{v.version}
                    {v.model?.task === 'CLASSIFICATION' ? ' (classifier)' : ''}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.dataset}>Dataset version</label>
              <select id={ids.dataset} className="input" value={datasetVersionId} onChange={(e) => setDatasetVersionId(e.target.value)}>
                <option value="">Choose a dataset version…</option>
                {datasetVersions.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {(modelVersions.error ?? datasets.error) && (
            <p role="alert" className="error-text">
              {modelVersions.error ?? datasets.error}
            </p>
          )}
          <PartialListNotice list={modelVersions} noun="model versions" />
          <PartialListNotice list={datasets} noun="datasets" />
          <fieldset className="field">
            <legend>Metrics</legend>
            {metricList.loading && !metricList.data && <p role="status">Loading metrics…</p>}
            {available.map((m) => (
              <div className="metric-choice" key={m.name}>
                <input
                  type="checkbox"
                  id={`${ids.version}-metric-${m.name}`}
                  aria-describedby={`${ids.version}-metric-${m.name}-about`}
                  checked={selected.includes(m.name)}
                  onChange={(e) => setChosen(e.target.checked ? [...selected, m.name] : selected.filter((x) => x !== m.name))}
                />
                <label htmlFor={`${ids.version}-metric-${m.name}`}>
                  {m.name}
                  {m.plugin ? ' (plugin)' : ''}
                </label>
                <span id={`${ids.version}-metric-${m.name}-about`} className="muted">
                  {m.description}
                  {m.file ? ` (${m.file})` : ''}
                </span>
              </div>
            ))}
          </fieldset>
          <div className="form-grid">
            {(
              [
                ['maxWindows', ids.windows, 'Validation windows scored'],
                ['maxExamples', ids.examples, 'Examples generated from'],
                ['classifierExamples', ids.examples, 'Held-out examples classified'],
                ['maxNewTokens', ids.tokens, 'Tokens generated per example'],
              ] as const
            )
              .filter(([key]) => (optionKeys as readonly string[]).includes(key))
              .map(([key, id, label]) => (
                <div className="field" key={key}>
                  <label htmlFor={id}>{label}</label>
                  <input id={id} className="input" inputMode="numeric" value={options[key]} aria-invalid={!/^\d+$/.test(options[key].trim()) || Number(options[key]) < 1} onChange={(e) => setOptions((o) => ({ ...o, [key]: e.target.value }))} />
                </div>
              ))}
          </div>
          {optionError && <p className="field-error">Options must be whole numbers of at least 1.</p>}
          {evaluate.error && (
            <p role="alert" className="error-text">
              {evaluate.error}
            </p>
          )}
          <p role="status" data-testid="evaluation-notice">
            {evaluate.busy ? 'Evaluating…' : (notice ?? '')}
          </p>
          {canRun ? (
            <button type="submit" className="button button-primary" disabled={evaluate.busy || !modelVersionId || !datasetVersionId || !selected.length || Boolean(optionError)}>
              Run evaluation
            </button>
          ) : (
            <p className="muted">Running evaluations needs the DEVELOPER or ADMIN role.</p>
          )}
        </form>
      </section>
      <section className="panel" aria-labelledby="results-title">
        <h3 id="results-title">Results on this dataset version</h3>
        {!datasetVersionId ? (
          <p className="muted">Choose a dataset version to compare the versions evaluated on it.</p>
        ) : results.nodes?.length ? (
          <>
            <PartialListNotice list={results} noun="evaluations" />
            <EvaluationResultsTable caption="Evaluations on the chosen dataset version" rows={results.nodes} />
            {/* the newest classifiers' reports (each evaluation keeps its own) */}
            {results.nodes
              .filter((row) => row.classification)
              .slice(0, 3)
              .map((row) => (
                <ClassificationReport key={row.id} title={`${row.modelVersion?.model?.name ?? 'model'} v${row.modelVersion?.version ?? '?'}`} report={row.classification!} />
              ))}
          </>
        ) : (
          <p className="muted">No evaluation on this dataset version yet.</p>
        )}
      </section>
    </>
  );
}
