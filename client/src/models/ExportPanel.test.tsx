// @vitest-environment jsdom
// The Export panel and the artifacts table against a stubbed GraphQL client: the options sent come
// from EXPORT_OPTIONS, field errors land on their fields, the job is followed to its end; the
// table shows the parity figure against its tolerance and offers delete only to owners. The
// documents are validated against the checked-in schema, so a renamed field fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { buildSchema, validate } from 'graphql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DELETE_MODEL_ARTIFACT_MUTATION } from './documents/delete-model-artifact.mutation.ts';
import { EXPORT_MODEL_VERSION_MUTATION } from './documents/export-model-version.mutation.ts';
import { type ArtifactRow, MODEL_ARTIFACTS_QUERY } from './documents/model-artifacts.query.ts';

const client = vi.hoisted(() => ({ query: vi.fn(), mutation: vi.fn(), subscription: vi.fn() }));
const session = vi.hoisted(() => ({ current: { user: { id: 'owner', email: 'o@x', role: 'DEVELOPER' } } as { user: { id: string; email: string; role: string } } | null }));
vi.mock('../api/client.ts', () => ({ graphqlClient: client }));
vi.mock('../auth/use-session.ts', () => ({ useSession: () => session.current }));

const { ExportPanel } = await import('./ExportPanel.tsx');
const { ArtifactsTable } = await import('./ArtifactsTable.tsx');

const answer = (value: unknown) => ({ toPromise: () => Promise.resolve(value) });
const ARTIFACT: ArtifactRow = {
  id: 'a1',
  format: 'HUGGING_FACE',
  status: 'READY',
  options: { dtype: 'fp16', lora: 'merged' },
  totalBytes: 3 * 1024 * 1024,
  sha256: 'ab'.repeat(32),
  createdAt: '2026-11-29T10:00:00.000Z',
  createdBy: 'someone',
  downloadPath: '/api/artifacts/a1/download',
  parity: { maxAbsDifference: 0.00042, tolerance: 0.02, runtime: 'native' },
  files: [{ name: 'model.safetensors', bytes: 3 * 1024 * 1024, sha256: 'cd'.repeat(32) }],
};

describe('export documents', () => {
  it('validate against schema/schema.graphql', () => {
    const schema = buildSchema(readFileSync(join(import.meta.dirname, '../../../schema/schema.graphql'), 'utf8'));
    for (const document of [EXPORT_MODEL_VERSION_MUTATION, MODEL_ARTIFACTS_QUERY, DELETE_MODEL_ARTIFACT_MUTATION]) expect(validate(schema, document)).toEqual([]);
  });
});

describe('ExportPanel', () => {
  beforeEach(() => {
    client.query.mockReset();
    client.mutation.mockReset();
    client.subscription.mockReset();
    client.subscription.mockReturnValue({ subscribe: () => ({ unsubscribe: () => {} }) });
  });
  afterEach(cleanup);

  it('sends the format and every option as the API spells it, then follows the job to its end', async () => {
    client.mutation.mockReturnValue(answer({ data: { exportModelVersion: { id: 'j1', status: 'QUEUED', progress: 0, progressText: 'Queued', errorMessage: null, resultId: null } } }));
    const job = {
      id: 'j1',
      kind: 'model.export',
      description: 'Export v1',
      status: 'COMPLETED',
      progress: 1,
      progressText: 'Done',
      targetType: 'ModelVersion',
      targetId: 'v1',
      resultType: 'ModelArtifact',
      resultId: 'a1',
      errorMessage: null,
      errorCode: null,
      requestedCancel: false,
      ownerId: 'owner',
      createdAt: '2026-11-29T10:00:00.000Z',
      startedAt: '2026-11-29T10:00:00.000Z',
      finishedAt: '2026-11-29T10:00:01.000Z',
      updatedAt: '2026-11-29T10:00:01.000Z',
    };
    client.query.mockReturnValue(answer({ data: { job } }));
    const onFinished = vi.fn();
    render(<ExportPanel versionId="v1" onFinished={onFinished} />);
    fireEvent.change(screen.getByLabelText('Weight precision'), { target: { value: 'FP16' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(client.mutation).toHaveBeenCalled());
    expect(client.mutation.mock.calls[0]![1]).toEqual({ versionId: 'v1', format: 'HUGGING_FACE', options: { dtype: 'FP16', lora: 'MERGED', onnxOpset: 17, onnxWithPast: true } });
    await waitFor(() => expect(onFinished).toHaveBeenCalledWith(expect.objectContaining({ status: 'COMPLETED', resultId: 'a1' })), { timeout: 3000 });
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect((screen.getByRole('button', { name: 'Export' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a field error next to its option and starts nothing', async () => {
    client.mutation.mockReturnValue(answer({ error: { message: 'invalid', graphQLErrors: [{ message: 'invalid', extensions: { fieldErrors: [{ field: 'options.lora', message: "'adapter' needs a LoRA version saved as adapters only" }] } }] } }));
    render(<ExportPanel versionId="v1" />);
    fireEvent.change(screen.getByLabelText('LoRA versions'), { target: { value: 'ADAPTER' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(client.mutation).toHaveBeenCalled());
    expect(await screen.findByText("'adapter' needs a LoRA version saved as adapters only")).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
});

describe('ArtifactsTable', () => {
  afterEach(cleanup);

  it('shows format, size and the parity figure against its tolerance; delete only for the model’s owner', async () => {
    client.query.mockReturnValue(answer({ data: { modelArtifacts: [ARTIFACT], modelVersion: { model: { ownerId: 'owner' } } } }));
    session.current = { user: { id: 'owner', email: 'o@x', role: 'DEVELOPER' } };
    render(<ArtifactsTable versionId="v1" />);
    const table = await screen.findByRole('table', { name: 'Artifacts of this version' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('Hugging Face');
    expect(row.textContent).toContain('4.20e-4 ≤ 0.02');
    expect(row.textContent).toContain('3.0 MiB');
    expect(within(row).getByRole('button', { name: 'Download the Hugging Face artifact as zip' })).toBeTruthy();
    expect(within(row).getByRole('button', { name: 'Delete' })).toBeTruthy();
    cleanup();
    session.current = { user: { id: 'stranger', email: 's@x', role: 'DEVELOPER' } };
    render(<ArtifactsTable versionId="v1" />);
    const other = await screen.findByRole('table', { name: 'Artifacts of this version' });
    expect(within(other).queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});
