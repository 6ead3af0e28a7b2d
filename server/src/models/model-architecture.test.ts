import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-error.ts';
import { parameterCount, PRESETS, resolveArchitecture, validateSpecialTokens } from './model-architecture.ts';

function fieldErrors(run: () => unknown): Array<{ field: string; message: string }> {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.fieldErrors;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('model architecture', () => {
  it('presets have the documented shapes', () => {
    expect(PRESETS.tiny).toMatchObject({ layers: 4, heads: 4, embeddingWidth: 128, contextLength: 64 });
    expect(PRESETS['gpt2-124M']).toMatchObject({ layers: 12, heads: 12, embeddingWidth: 768, contextLength: 1024, vocabSize: 50257 });
  });

  it('counts GPT-2 small at 124M parameters (tied embeddings)', () => {
    expect(parameterCount(PRESETS['gpt2-124M'])).toBe(124_439_808);
  });

  it('overrides a preset field by field', () => {
    expect(resolveArchitecture('tiny', { contextLength: 128, dropout: 0.1 })).toEqual({ ...PRESETS.tiny, contextLength: 128, dropout: 0.1 });
  });

  it('names every offending field, including width not divisible by heads', () => {
    expect(fieldErrors(() => resolveArchitecture('tiny', { heads: 3 }))).toEqual([{ field: 'input.architecture.embeddingWidth', message: 'must be divisible by heads (128 is not a multiple of 3)' }]);
    const errors = fieldErrors(() => resolveArchitecture(null, { vocabSize: 0, layers: 2.5, dropout: 1 }));
    expect(errors.map((e) => e.field)).toEqual(['input.architecture.vocabSize', 'input.architecture.contextLength', 'input.architecture.layers', 'input.architecture.heads', 'input.architecture.embeddingWidth', 'input.architecture.dropout']);
    expect(fieldErrors(() => resolveArchitecture('huge', null))[0]).toMatchObject({ field: 'input.preset' });
  });

  it('validates special tokens', () => {
    expect(validateSpecialTokens(undefined)).toEqual(['<|endoftext|>', '<context>', '<response>']);
    expect(fieldErrors(() => validateSpecialTokens(['<a>', '<a>', 'has space'])).map((e) => e.field)).toEqual(['input.specialTokens.2', 'input.specialTokens']);
  });
});
