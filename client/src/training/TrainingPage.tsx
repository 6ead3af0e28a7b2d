// The Training page: choose what to train and on what, set the hyperparameters (form or config),
// see the estimate, launch.
import { useId, useState, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { formatCount } from '../common/format.ts';
import { navigate, useLocation } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { estimateRun, type Config } from './config.ts';
import { START_TRAINING_RUN_MUTATION } from './documents/start-training-run.mutation.ts';
import { THROUGHPUT_QUERY } from './documents/throughput.query.ts';
import { TRAINING_DATASETS_QUERY } from './documents/training-datasets.query.ts';
import { TRAINING_MODEL_VERSIONS_QUERY } from './documents/training-model-versions.query.ts';
import { TRAINING_MODELS_QUERY, type TrainingModel } from './documents/training-models.query.ts';
import { formatDuration, measuredThroughput } from './estimate.ts';
import { TrainingForm } from './TrainingForm.tsx';

export function TrainingPage(): ReactElement {
  const session = useSession();
  const { search } = useLocation();
  const ids = { model: useId(), base: useId(), dataset: useId() };
  const modelList = useConnection(TRAINING_MODELS_QUERY, {}, (d) => d.models);
  const versionList = useConnection(TRAINING_MODEL_VERSIONS_QUERY, {}, (d) => d.modelVersions);
  const datasetList = useConnection(TRAINING_DATASETS_QUERY, {}, (d) => d.datasets);
  const throughput = useQuery(THROUGHPUT_QUERY, {});
  const start = useMutation(START_TRAINING_RUN_MUTATION);
  const [modelId, setModelId] = useState(search.get('model') ?? '');
  const [baseVersionId, setBaseVersionId] = useState('');
  const [datasetVersionId, setDatasetVersionId] = useState('');

  if (session?.user.role === 'VIEWER')
    return (
      <section className="panel" aria-labelledby="page-title">
        <h2 id="page-title">Training</h2>
        <p role="alert">Launching training runs needs the DEVELOPER or ADMIN role. You can follow runs on the Runs page.</p>
      </section>
    );

  const sources = [modelList, versionList, datasetList];
  const sourcesError = sources.find((list) => list.error)?.error ?? null;
  const models = modelList.nodes ?? [];
  const model = models.find((m) => m.id === modelId);
  const versions = (versionList.nodes ?? []).filter((v) => v.modelId === modelId);
  // A classifier may start from a causal LM's version whose transformer has its shape (a fresh score head on top).
  const headStarts = model?.task === 'CLASSIFICATION' ? (versionList.nodes ?? []).filter((v) => models.some((m) => m.id === v.modelId && m.task === 'CAUSAL_LM' && sameTransformer(m, model))) : [];
  const datasetVersions = (datasetList.nodes ?? []).flatMap((d) => d.versions.map((v) => ({ ...v, label: `${d.name} v${v.version}` })));
  const datasetVersion = datasetVersions.find((v) => v.id === datasetVersionId);
  const measured = measuredThroughput(throughput.data?.trainingRuns.nodes ?? [], modelId || null);

  const renderEstimate = (config: Config | null): ReactElement => {
    if (!config) return <p className="muted">The estimate appears once every field is valid.</p>;
    if (!model) return <p className="muted">Choose a model to see the estimate.</p>;
    const estimate = estimateRun(config, model.architecture.contextLength, datasetVersion?.trainTokens ?? 0);
    const epochs = datasetVersion?.trainTokens ? estimate.tokens / datasetVersion.trainTokens : null;
    return (
      <section aria-labelledby={`${ids.model}-estimate`} data-testid="run-estimate">
        <h4 id={`${ids.model}-estimate`} className="section-title">
          Estimate
        </h4>
        <dl className="estimate">
          <div>
            <dt>Steps</dt>
            <dd>{formatCount(estimate.steps)}</dd>
          </div>
          <div>
            <dt>Tokens seen</dt>
            <dd>
              {formatCount(estimate.tokens)} ({formatCount(estimate.tokensPerStep)} per step)
            </dd>
          </div>
          <div>
            <dt>Epochs</dt>
            <dd>{epochs === null ? 'choose a dataset' : epochs.toFixed(2)}</dd>
          </div>
          <div>
            <dt>Expected time</dt>
            <dd data-testid="estimate-time">
              {measured
                ? `about ${formatDuration(estimate.tokens / measured.tokensPerSecond)} at ${formatCount(Math.round(measured.tokensPerSecond))} tokens/s (median of ${measured.runs} recent run${measured.runs === 1 ? '' : 's'}${measured.sameModel ? ' of this model' : ' of other models'})`
                : 'unknown: no completed run has measured the throughput yet'}
            </dd>
          </div>
        </dl>
      </section>
    );
  };

  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Training</h2>
      </div>
      <section className="panel" aria-labelledby="page-title">
        {sourcesError && (
          <p role="alert" className="error-text">
            {sourcesError}
          </p>
        )}
        <PartialListNotice list={modelList} noun="models" />
        <PartialListNotice list={versionList} noun="model versions" />
        <PartialListNotice list={datasetList} noun="datasets" />
        {sources.some((list) => !list.nodes) ? (
          <p role="status">Loading models and datasets…</p>
        ) : (
          <TrainingForm
            busy={start.busy}
            error={start.error}
            blocked={!modelId ? 'Choose a model to train.' : !datasetVersionId ? 'Choose a dataset version to train on.' : null}
            renderEstimate={renderEstimate}
            onSubmit={async (config) => {
              const result = await start.run({ input: { modelId, ...(baseVersionId ? { baseVersionId } : {}), datasetVersionId, config } });
              if (result) navigate(`/runs/${result.startTrainingRun.id}`);
            }}
          >
            <div className="form-grid">
              <div className="field">
                <label htmlFor={ids.model}>Model</label>
                <select
                  id={ids.model}
                  className="input"
                  value={modelId}
                  onChange={(e) => {
                    setModelId(e.target.value);
                    setBaseVersionId('');
                  }}
                >
                  <option value="">Choose a model…</option>
                  {models.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name} ({formatCount(m.architecture.parameterCount)} parameters)
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={ids.base}>Start from</label>
                <select id={ids.base} className="input" value={baseVersionId} onChange={(e) => setBaseVersionId(e.target.value)} disabled={!modelId}>
                  <option value="">Fresh weights (from scratch)</option>
                  {versions.map((v) => (
                    <option key={v.id} value={v.id}>
                      Fine-tune v{v.version}
                    </option>
                  ))}
                  {headStarts.map((v) => (
                    <option key={v.id} value={v.id}>
                      Transformer of {v.model?.name ?? 'a language model'} v{v.version} (new classification head)
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
                      {v.label} ({formatCount(v.trainTokens)} training tokens)
                    </option>
                  ))}
                </select>
              </div>
            </div>
          </TrainingForm>
        )}
      </section>
    </>
  );
}

/** The transformer fields a classifier shares with the language model it starts from (the server checks the same). */
function sameTransformer(a: TrainingModel, b: TrainingModel): boolean {
  return (['vocabSize', 'contextLength', 'layers', 'heads', 'embeddingWidth', 'bias'] as const).every((field) => a.architecture[field] === b.architecture[field]);
}
