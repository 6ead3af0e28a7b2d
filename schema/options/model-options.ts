// Every model-architecture option (a GPT-2-style decoder), declared once: the GraphQL
// ModelArchitectureInput and its validation (server/src/models), the create-model form
// (client/src/models) and the native door's ModelConfig checks (native/) derive from this table;
// native/test compares the C++ defaults (GPTConfig in native/src/model/gpt.h) with it.
import { type ApiValues, bool, float, int } from './option-spec.ts';

export const MODEL_OPTIONS = {
  vocabSize: int({ surface: 'both', label: 'Vocabulary size', unit: 'tokens', default: null, min: 1, max: 1_000_000, description: "Tokens the embedding table holds (GPT-2's BPE has 50257); must exceed every token id in the data." }),
  contextLength: int({ surface: 'both', label: 'Context length (tokens)', unit: 'tokens', default: null, min: 1, max: 131_072, description: 'Longest sequence the model attends over (block size, position embeddings).' }),
  layers: int({ surface: 'both', nativeKey: 'nLayer', label: 'Layers', unit: 'blocks', default: null, min: 1, max: 256, description: 'Transformer blocks.' }),
  heads: int({ surface: 'both', nativeKey: 'nHead', label: 'Attention heads', unit: 'heads', default: null, min: 1, max: 256, description: 'Attention heads per block; must divide the embedding width.' }),
  embeddingWidth: int({ surface: 'both', nativeKey: 'nEmbd', label: 'Width (embedding channels)', unit: 'channels', default: null, min: 1, max: 65_536, description: 'Channels of the residual stream (n_embd).' }),
  dropout: float({ surface: 'both', label: 'Dropout', default: 0, min: 0, max: 1, exclusiveMax: true, description: 'Dropout on embeddings, attention and residual branches; 0 for pretraining, ~0.1 for fine-tuning on small data.' }),
  bias: bool({ surface: 'both', label: 'Bias', default: true, description: 'Biases in linear layers and LayerNorms, as GPT-2 has.' }),
} as const;

/** A complete, validated architecture (API names). */
export type ModelArchitectureConfig = { [K in keyof ApiValues<typeof MODEL_OPTIONS>]: NonNullable<ApiValues<typeof MODEL_OPTIONS>[K]> };
