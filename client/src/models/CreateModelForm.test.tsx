// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreateModelForm, estimateParameters } from './CreateModelForm.tsx';
import type { ModelPreset } from './documents/model-presets.query.ts';

const PRESETS: ModelPreset[] = [
  { name: 'tiny', layers: 2, heads: 2, embeddingWidth: 64, contextLength: 128, vocabSize: 4096, dropout: 0, bias: true, parameterCount: 370_000 },
  { name: 'small', layers: 6, heads: 6, embeddingWidth: 384, contextLength: 256, vocabSize: 4096, dropout: 0, bias: true, parameterCount: 12_000_000 },
];
const TOKENIZERS = [{ id: 'd1', name: 'shakespeare', versions: [{ id: 'dv1', version: 1, vocabSize: 2048 }] }];

describe('CreateModelForm', () => {
  afterEach(cleanup);

  it('creates from a preset, sending only the fields changed', () => {
    const onSubmit = vi.fn();
    render(<CreateModelForm presets={PRESETS} tokenizers={TOKENIZERS} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('Model name'), { target: { value: 'my tiny' } });
    expect((screen.getByLabelText('Layers') as HTMLInputElement).value).toBe('2');
    fireEvent.change(screen.getByLabelText('Layers'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create model' }));
    expect(onSubmit).toHaveBeenCalledWith({ name: 'my tiny', preset: 'tiny', architecture: { layers: 3 } });
  });

  it('creates a custom architecture with a tokenizer (whose vocabulary it takes) and special tokens', () => {
    const onSubmit = vi.fn();
    render(<CreateModelForm presets={PRESETS} tokenizers={TOKENIZERS} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('Model name'), { target: { value: 'custom' } });
    fireEvent.click(screen.getByLabelText('Custom'));
    fireEvent.change(screen.getByLabelText('Layers'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Attention heads'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Width (embedding channels)'), { target: { value: '32' } });
    fireEvent.change(screen.getByLabelText('Context length (tokens)'), { target: { value: '64' } });
    fireEvent.change(screen.getByLabelText('Tokenizer'), { target: { value: 'dv1' } });
    expect((screen.getByLabelText('Vocabulary size') as HTMLInputElement).value).toBe('2048');
    fireEvent.change(screen.getByLabelText('Special tokens, one per line'), { target: { value: '<|endoftext|>\n<sep>' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create model' }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: 'custom',
      tokenizerId: 'dv1',
      architecture: { layers: 2, heads: 2, embeddingWidth: 32, contextLength: 64, vocabSize: 2048, dropout: 0, bias: true },
      specialTokens: ['<|endoftext|>', '<sep>'],
    });
  });

  it('creates a classifier with its labels, refusing too few or repeated labels in words', () => {
    const onSubmit = vi.fn();
    render(<CreateModelForm presets={PRESETS} tokenizers={[]} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('Model name'), { target: { value: 'sentiment' } });
    expect(screen.queryByLabelText('Labels, one per line')).toBeNull();
    fireEvent.change(screen.getByLabelText('Task'), { target: { value: 'CLASSIFICATION' } });
    const labels = screen.getByLabelText('Labels, one per line');
    fireEvent.change(labels, { target: { value: 'positive' } });
    expect(screen.getByRole('alert').textContent).toMatch(/at least 2 labels/);
    fireEvent.change(labels, { target: { value: 'positive\nnegative\npositive' } });
    expect(screen.getByRole('alert').textContent).toMatch(/"positive" is listed twice/);
    expect((screen.getByRole('button', { name: 'Create model' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(labels, { target: { value: ' positive \n\nnegative\nneutral' } });
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Create model' }));
    expect(onSubmit).toHaveBeenCalledWith({ name: 'sentiment', preset: 'tiny', task: 'CLASSIFICATION', labels: ['positive', 'negative', 'neutral'] });
  });

  it('refuses a width that is not a multiple of the heads, in words', () => {
    const onSubmit = vi.fn();
    render(<CreateModelForm presets={PRESETS} tokenizers={[]} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText('Model name'), { target: { value: 'bad' } });
    fireEvent.change(screen.getByLabelText('Attention heads'), { target: { value: '3' } });
    expect(screen.getByRole('alert').textContent).toMatch(/multiple of the heads/);
    expect((screen.getByRole('button', { name: 'Create model' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.submit(screen.getByRole('button', { name: 'Create model' }).closest('form')!);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('estimates GPT-2 124M close to its known size', () => {
    const n = estimateParameters({ layers: 12, embeddingWidth: 768, contextLength: 1024, vocabSize: 50257, bias: true });
    expect(Math.abs(n - 124_439_808) / 124_439_808).toBeLessThan(0.01);
  });
});
