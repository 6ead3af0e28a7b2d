// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

const run = vi.fn(async (_variables: unknown) => ({ createDataset: { id: 'ds1', name: 'x' } }));
vi.mock('../common/use-graphql.ts', () => ({
  useMutation: () => ({ run, error: null, busy: false, reset: () => undefined }),
  useConnection: () => ({ nodes: [{ id: 'd0', name: 'older', versions: [{ id: 'dv0', version: 3, vocabSize: 1024 }] }], totalCount: 1, truncated: false, error: null, loading: false, reload: () => undefined }),
}));

const { UploadDataset } = await import('./UploadDataset.tsx');
const { UploadAbortedError } = await import('./upload.ts');

function fakeUpload() {
  const calls: Array<{ progress: (loaded: number, total: number) => void; resolve: (v: { id: string; sha256: string; sizeBytes: number }) => void; reject: (e: unknown) => void; abort: ReturnType<typeof vi.fn> }> = [];
  const upload = vi.fn((_file: Blob, progress: (loaded: number, total: number) => void) => {
    let resolve!: (v: { id: string; sha256: string; sizeBytes: number }) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<{ id: string; sha256: string; sizeBytes: number }>((a, b) => {
      resolve = a;
      reject = b;
    });
    const abort = vi.fn(() => reject(new UploadAbortedError()));
    calls.push({ progress, resolve, reject, abort });
    return { promise, abort };
  });
  return { upload, calls };
}

describe('UploadDataset', () => {
  afterEach(() => {
    cleanup();
    run.mockClear();
  });

  it('shows real progress in a live region, then creates the dataset with the column mapping', async () => {
    const { upload, calls } = fakeUpload();
    const onCreated = vi.fn();
    render(<UploadDataset onCreated={onCreated} upload={upload as never} />);
    const file = new File(['title,body,stars\n"a","b",1\n'], 'reviews.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Choose a file…'), { target: { files: [file] } });
    expect(upload).toHaveBeenCalledTimes(1);
    act(() => calls[0]!.progress(file.size / 2, file.size));
    expect(screen.getByTestId('upload-status').textContent).toMatch(/Uploading: 50%/);
    expect((screen.getByRole('progressbar') as HTMLProgressElement).value).toBe(50);
    expect((screen.getByRole('button', { name: 'Create dataset' }) as HTMLButtonElement).disabled).toBe(true);
    // The columns read from the file's header become the mapping choices; "body" is preselected.
    expect(((await screen.findByLabelText('body')) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText('title'));
    await act(async () => calls[0]!.resolve({ id: 'up1', sha256: 'x', sizeBytes: file.size }));
    expect(screen.getByTestId('upload-status').textContent).toMatch(/Uploaded: 100%/);
    fireEvent.change(screen.getByLabelText('Dataset name'), { target: { value: 'reviews' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create dataset' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith('ds1'));
    expect(run).toHaveBeenCalledWith({ input: { uploadId: 'up1', name: 'reviews', format: 'CSV', badRows: 'FAIL', vocabSize: 4096, textFields: ['body', 'title'], csvDelimiter: ',' } });
  });

  it('maps a label column for classifier data; the label column leaves the text fields', async () => {
    const { upload, calls } = fakeUpload();
    render(<UploadDataset onCreated={() => undefined} upload={upload as never} />);
    const file = new File(['text,sentiment\n"great film",pos\n'], 'reviews.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Choose a file…'), { target: { files: [file] } });
    expect(((await screen.findByLabelText('text')) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText('sentiment'));
    fireEvent.change(screen.getByLabelText('Label field (for classifiers)'), { target: { value: 'sentiment' } });
    // the label column is no longer offered as text
    expect(screen.queryByRole('checkbox', { name: 'sentiment' })).toBeNull();
    await act(async () => calls[0]!.resolve({ id: 'up3', sha256: 'x', sizeBytes: file.size }));
    fireEvent.click(screen.getByRole('button', { name: 'Create dataset' }));
    await waitFor(() => expect(run).toHaveBeenCalledWith({ input: { uploadId: 'up3', name: 'reviews', format: 'CSV', badRows: 'FAIL', vocabSize: 4096, textFields: ['text'], labelField: 'sentiment', csvDelimiter: ',' } }));
  });

  it('can reuse the tokenizer of an existing version instead of training one', async () => {
    const { upload, calls } = fakeUpload();
    render(<UploadDataset onCreated={() => undefined} upload={upload as never} />);
    fireEvent.change(screen.getByLabelText('Choose a file…'), { target: { files: [new File(['Once upon a time'], 'story.txt')] } });
    await act(async () => calls[0]!.resolve({ id: 'up2', sha256: 'x', sizeBytes: 16 }));
    fireEvent.change(screen.getByLabelText('Documents'), { target: { value: 'PARAGRAPHS' } });
    fireEvent.change(screen.getByLabelText('Tokenizer'), { target: { value: 'dv0' } });
    expect(screen.queryByLabelText('Tokenizer vocabulary size')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Create dataset' }));
    await waitFor(() => expect(run).toHaveBeenCalledWith({ input: { uploadId: 'up2', name: 'story', format: 'TEXT', badRows: 'FAIL', tokenizerFromVersionId: 'dv0', textDocuments: 'PARAGRAPHS' } }));
  });

  it('cancels an upload in progress', async () => {
    const { upload, calls } = fakeUpload();
    render(<UploadDataset onCreated={() => undefined} upload={upload as never} />);
    const file = new File(['To be or not to be'], 'hamlet.txt');
    fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files: [file] } });
    expect(upload).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel upload' }));
    expect(calls[0]!.abort).toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId('upload-status').textContent).toBe('Upload cancelled.'));
    expect(screen.queryByRole('button', { name: 'Create dataset' })).toBeNull();
  });
});
