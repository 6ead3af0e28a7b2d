// @vitest-environment jsdom
// The version page's parts: tags (keyboard add and remove, the server's refusal shown), lineage
// links, and the comparison (differing settings marked, metrics side by side). The documents the
// page sends are validated against the checked-in schema, so a renamed field fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { buildSchema, validate } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMPARE_MODEL_VERSIONS_QUERY, type ModelVersionComparison } from './documents/compare-model-versions.query.ts';
import { MODEL_VERSION_QUERY } from './documents/model-version.query.ts';
import { MODEL_VERSIONS_QUERY } from './documents/model-versions.query.ts';
import { TAG_MODEL_VERSION_MUTATION } from './documents/tag-model-version.mutation.ts';
import { UNTAG_MODEL_VERSION_MUTATION } from './documents/untag-model-version.mutation.ts';
import { comparedSettings, VersionComparison } from './VersionComparison.tsx';
import { VersionLineage } from './VersionLineage.tsx';
import { VersionTags } from './VersionTags.tsx';

const ARCH = { vocabSize: 320, contextLength: 32, layers: 2, heads: 2, embeddingWidth: 32, dropout: 0, bias: true, parameterCount: 36_000 };

function comparison(overrides: Partial<ModelVersionComparison> = {}): ModelVersionComparison {
  return {
    a: { version: { id: 'va', version: 1 }, modelName: 'bard', architecture: ARCH, trainingConfig: { maxSteps: 2, learningRate: 0.003, seed: 7, lora: { rank: 4 } }, run: { id: 'r1', name: 'bard · r1', status: 'COMPLETED' } },
    b: { version: { id: 'vb', version: 2 }, modelName: 'bard', architecture: ARCH, trainingConfig: { maxSteps: 20, learningRate: 0.001, seed: 7, lora: { rank: 8 } }, run: { id: 'r2', name: 'bard · r2', status: 'COMPLETED' } },
    metrics: [
      { name: 'bleu', a: null, b: { value: 12.5, error: null, datasetVersionId: 'dv1', evaluatedAt: '2026-11-29T10:00:00.000Z' } },
      { name: 'perplexity', a: { value: 41.123456789, error: null, datasetVersionId: 'dv1', evaluatedAt: '2026-11-29T10:00:00.000Z' }, b: { value: null, error: 'out of memory', datasetVersionId: 'dv1', evaluatedAt: '2026-11-29T10:00:00.000Z' } },
    ],
    ...overrides,
  };
}

describe('VersionTags', () => {
  afterEach(cleanup);

  it('lists the tags; an owner adds one from the keyboard (Enter) and removes one by its named button', async () => {
    const onAdd = vi.fn(async () => true);
    const onRemove = vi.fn();
    render(<VersionTags tags={['production', 'staging']} canChange busy={false} error={null} onAdd={onAdd} onRemove={onRemove} />);
    expect(
      within(screen.getByRole('list', { name: 'Tags' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['production×', 'staging×']);
    const input = screen.getByLabelText('Add a tag') as HTMLInputElement;
    expect((screen.getByRole('button', { name: 'Add tag' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: ' canary ' } });
    fireEvent.submit(input.closest('form')!);
    expect(onAdd).toHaveBeenCalledWith('canary');
    await waitFor(() => expect(input.value).toBe(''));
    fireEvent.click(screen.getByRole('button', { name: 'Remove tag staging' }));
    expect(onRemove).toHaveBeenCalledWith('staging');
  });

  it('keeps the draft and shows the server’s message when a tag is refused', async () => {
    const onAdd = vi.fn(async () => false);
    const { rerender } = render(<VersionTags tags={[]} canChange busy={false} error={null} onAdd={onAdd} onRemove={vi.fn()} />);
    expect(screen.getByText('No tags.')).toBeTruthy();
    const input = screen.getByLabelText('Add a tag') as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'Prod' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add tag' }));
    await waitFor(() => expect(onAdd).toHaveBeenCalledWith('Prod'));
    rerender(<VersionTags tags={[]} canChange busy={false} error={'tag: must be 1 to 40 characters of a-z, 0-9, ".", "_" and "-" (got "Prod")'} onAdd={onAdd} onRemove={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toContain('(got "Prod")');
    expect(input.value).toBe('Prod');
  });

  it('offers no controls to someone who may not change the model', () => {
    render(<VersionTags tags={['production']} canChange={false} busy={false} error={null} onAdd={vi.fn()} onRemove={vi.fn()} />);
    expect(screen.queryByLabelText('Add a tag')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByText('production')).toBeTruthy();
  });
});

describe('VersionLineage', () => {
  afterEach(cleanup);

  it('links the parent version, the run and the dataset version', () => {
    render(
      <VersionLineage
        lineage={{
          parent: { id: 'p', modelId: 'm 1', modelName: 'bard', version: 1 },
          run: { id: 'r1', name: 'bard · r1', status: 'COMPLETED', finishedAt: null },
          datasetVersion: { id: 'dv', datasetId: 'd1', datasetName: 'shakespeare', version: 3 },
          imported: null,
        }}
      />,
    );
    expect(screen.getByRole('link', { name: 'bard v1' }).getAttribute('href')).toBe('/models/m%201/versions/1');
    expect(screen.getByRole('link', { name: 'bard · r1' }).getAttribute('href')).toBe('/runs/r1');
    expect(screen.getByRole('link', { name: 'shakespeare v3' }).getAttribute('href')).toBe('/datasets/d1');
    expect(screen.getByText('Completed')).toBeTruthy();
  });

  it('says plainly what a registered version lacks', () => {
    render(<VersionLineage lineage={{ parent: null, run: null, datasetVersion: null, imported: null }} />);
    expect(screen.getByTestId('version-lineage').textContent).toContain('not trained here (registered by hand)');
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('shows where an imported version came from, the tokens added and what differs', () => {
    const imported = { source: 'imported from gpt2.tar.gz, sha256 ab12', from: 'gpt2.tar.gz', sha256: 'ab12', addedTokens: ['<context>', '<response>'], activation: 'gelu_new', note: 'config.json declares gelu_new' };
    render(<VersionLineage lineage={{ parent: null, run: null, datasetVersion: null, imported }} />);
    const text = screen.getByTestId('version-lineage').textContent;
    expect(screen.getByTestId('version-import').textContent).toContain('imported from gpt2.tar.gz, sha256 ab12');
    expect(text).toContain('Added special tokens: <context>, <response>');
    expect(text).toContain('config.json declares gelu_new');
    expect(text).toContain('not trained here (imported)');
  });
});

describe('VersionComparison', () => {
  afterEach(cleanup);

  it('marks the differing settings (only those at first) and puts the metrics side by side', () => {
    render(<VersionComparison comparison={comparison()} modelId="m1" />);
    const settings = screen.getByTestId('version-config-diff');
    const rowOf = (key: string) =>
      within(settings)
        .getByRole('rowheader', { name: new RegExp(`^${key.replace('.', '\\.')}`) })
        .closest('tr')!;
    expect(
      within(settings)
        .getAllByRole('rowheader')
        .map((th) => th.textContent),
    ).toEqual(['training.learningRate (differs)', 'training.lora.rank (differs)', 'training.maxSteps (differs)']);
    expect([...rowOf('training.learningRate').querySelectorAll('td')].map((td) => td.textContent)).toEqual(['0.003', '0.001']);
    fireEvent.click(screen.getByLabelText('Only the settings that differ'));
    expect(within(settings).getAllByRole('rowheader')).toHaveLength(8 + 4);
    expect([...rowOf('training.seed').querySelectorAll('td')].map((td) => td.textContent)).toEqual(['7', '7']);
    expect(within(settings).getByRole('link', { name: 'bard v2' }).getAttribute('href')).toBe('/models/m1/versions/2');

    const metrics = screen.getByTestId('version-metrics');
    const cells = (name: string) => [...within(metrics).getByRole('rowheader', { name }).closest('tr')!.querySelectorAll('td')].map((td) => td.textContent);
    expect(cells('perplexity')).toEqual(['41.1235', 'failed: out of memory']);
    expect(cells('bleu')).toEqual(['not evaluated', '12.5']);
    expect(screen.getByText(/on the same dataset version/)).toBeTruthy();
  });

  it('a version not trained here has only architecture settings; unevaluated versions say so', () => {
    const c = comparison({ metrics: [] });
    c.a = { ...c.a, trainingConfig: null, run: null };
    expect(comparedSettings(c.a)).toEqual({ architecture: ARCH });
    render(<VersionComparison comparison={c} modelId="m1" />);
    const headers = within(screen.getByTestId('version-config-diff')).getAllByRole('rowheader');
    expect(headers.every((th) => th.textContent!.startsWith('training.'))).toBe(true);
    expect(screen.getByText(/not trained here has no training settings/)).toBeTruthy();
    expect(screen.getByText('Neither version has been evaluated yet.')).toBeTruthy();
  });
});

describe('version page documents', () => {
  it('are valid against schema/schema.graphql', () => {
    const schema = buildSchema(readFileSync(join(import.meta.dirname, '../../../schema/schema.graphql'), 'utf8'));
    for (const document of [MODEL_VERSION_QUERY, MODEL_VERSIONS_QUERY, COMPARE_MODEL_VERSIONS_QUERY, TAG_MODEL_VERSION_MUTATION, UNTAG_MODEL_VERSION_MUTATION]) expect(validate(schema, document).map((e) => e.message)).toEqual([]);
  });
});
