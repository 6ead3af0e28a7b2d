// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fieldErrorsOf, ImportModelForm } from './ImportModelForm.tsx';

describe('ImportModelForm', () => {
  afterEach(cleanup);

  it('shows what is missing next to the fields, keyboard-reachable and marked invalid', () => {
    const upload = vi.fn();
    render(<ImportModelForm upload={upload} />);
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const file = screen.getByLabelText(/Archive of the model folder/);
    expect(file.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(file.getAttribute('aria-describedby')!)!.textContent).toBe('Choose a tar, tar.gz or zip archive of the model folder');
    expect(screen.getByLabelText('Model name').getAttribute('aria-invalid')).toBe('true');
    expect(upload).not.toHaveBeenCalled();
  });

  it('names the model after the archive, shows upload progress, and a failed upload next to the file field', async () => {
    let fail: (error: Error) => void = () => undefined;
    const upload = vi.fn((_file: Blob, onProgress: (loaded: number, total: number) => void) => {
      onProgress(5, 10);
      return { promise: new Promise<never>((_resolve, reject) => (fail = reject)), abort: vi.fn() };
    });
    render(<ImportModelForm upload={upload} />);
    const archive = new File([new Uint8Array(10)], 'gpt2-small.tar.gz');
    fireEvent.change(screen.getByLabelText(/Archive of the model folder/), { target: { files: [archive] } });
    expect((screen.getByLabelText('Model name') as HTMLInputElement).value).toBe('gpt2-small');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Uploading: 50%'));
    fail(new Error('upload exceeds the limit of 10 bytes'));
    await waitFor(() => expect(screen.getByLabelText(/Archive of the model folder/).getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByRole('alert').textContent).toBe('upload exceeds the limit of 10 bytes');
  });

  it('maps the server’s field errors to the form fields', () => {
    expect(fieldErrorsOf('input.uploadId: config.json: model_type "llama" is not "gpt2"; input.name: must be 1 to 100 characters')).toEqual({ file: 'config.json: model_type "llama" is not "gpt2"', name: 'must be 1 to 100 characters' });
    expect(fieldErrorsOf('input.specialTokens.1: must be 1 to 64 characters without spaces')).toEqual({ specialTokens: 'must be 1 to 64 characters without spaces' });
    expect(fieldErrorsOf('Importing models needs the DEVELOPER role')).toEqual({ form: 'Importing models needs the DEVELOPER role' });
  });
});
