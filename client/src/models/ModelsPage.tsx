import { createColumnHelper } from '@tanstack/react-table';
import { useState, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatCount, formatDate } from '../common/format.ts';
import { Link, navigate } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { CreateModelForm } from './CreateModelForm.tsx';
import { ImportModelForm } from './ImportModelForm.tsx';
import { CREATE_MODEL_MUTATION } from './documents/create-model.mutation.ts';
import { MODEL_PRESETS_QUERY } from './documents/model-presets.query.ts';
import { MODELS_QUERY, type ModelRow } from './documents/models.query.ts';
import { TOKENIZERS_QUERY } from './documents/tokenizers.query.ts';

const column = createColumnHelper<ModelRow>();
const columns = [
  column.accessor('name', { header: 'Name', cell: (c) => <Link to={`/models/${c.row.original.id}`}>{c.getValue()}</Link> }),
  column.accessor((m) => m.preset ?? 'custom', { id: 'preset', header: 'Preset' }),
  column.accessor((m) => m.architecture.layers, { id: 'layers', header: 'Layers' }),
  column.accessor((m) => m.architecture.heads, { id: 'heads', header: 'Heads' }),
  column.accessor((m) => m.architecture.embeddingWidth, { id: 'width', header: 'Width' }),
  column.accessor((m) => m.architecture.contextLength, { id: 'context', header: 'Context' }),
  column.accessor((m) => m.architecture.parameterCount, { id: 'params', header: 'Parameters', cell: (c) => formatCount(c.getValue()) }),
  column.accessor((m) => m.latestVersion?.version ?? 0, { id: 'versions', header: 'Latest version', cell: (c) => (c.getValue() ? `v${c.getValue()}` : '—') }),
  column.accessor((m) => m.owner?.email ?? '', { id: 'owner', header: 'Owner' }),
  column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
];

function CreateModelPanel(): ReactElement {
  const presets = useQuery(MODEL_PRESETS_QUERY, {});
  const tokenizers = useConnection(TOKENIZERS_QUERY, {}, (d) => d.datasets);
  const create = useMutation(CREATE_MODEL_MUTATION);
  if (!presets.data) return <p role="status">Loading presets…</p>;
  return (
    <section className="panel" id="create-model-panel">
      <PartialListNotice list={tokenizers} noun="datasets to take a tokenizer from" />
      <CreateModelForm
        presets={presets.data.modelPresets}
        tokenizers={tokenizers.nodes ?? []}
        busy={create.busy}
        error={create.error}
        onSubmit={async (input) => {
          const result = await create.run({ input });
          if (result) navigate(`/models/${result.createModel.id}`);
        }}
      />
    </section>
  );
}

export function ModelsPage(): ReactElement {
  const session = useSession();
  const models = useConnection(MODELS_QUERY, {}, (d) => d.models);
  const [showCreate, setShowCreate] = useState(false);
  const [showImport, setShowImport] = useState(false);
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Models</h2>
        {session?.user.role !== 'VIEWER' && (
          <button type="button" className="button button-primary" aria-expanded={showCreate} aria-controls="create-model-panel" onClick={() => setShowCreate((v) => !v)}>
            {showCreate ? 'Close' : 'Create a model'}
          </button>
        )}
        {session?.user.role !== 'VIEWER' && (
          <button type="button" className="button" aria-expanded={showImport} aria-controls="import-model-panel" onClick={() => setShowImport((v) => !v)}>
            {showImport ? 'Close import' : 'Import a checkpoint'}
          </button>
        )}
      </div>
      {showCreate && <CreateModelPanel />}
      {showImport && <ImportModelForm />}
      <section className="panel" aria-labelledby="page-title">
        {models.error && (
          <p role="alert" className="error-text">
            {models.error}
          </p>
        )}
        <PartialListNotice list={models} noun="models" />
        {models.loading && !models.nodes ? <p role="status">Loading models…</p> : <DataTable caption="Models" data={models.nodes ?? []} columns={columns} filterLabel="Filter models" empty="No models yet." />}
      </section>
    </>
  );
}
