// Every model-architecture option (a GPT-2-style decoder), declared once: the GraphQL
// ModelArchitectureInput and its validation (server/src/models), the create-model form
// (client/src/models) and the native door's ModelConfig checks (native/) derive from this table;
// native/test compares the C++ defaults (GPTConfig in native/src/model/gpt.h) with it.
import { type ApiValues, bool, choice, float, int } from './option-spec.ts';

export const MODEL_OPTIONS = {
  vocabSize: int({ surface: 'both', label: 'Vocabulary size', unit: 'tokens', default: null, min: 1, max: 1_000_000, description: "Tokens the embedding table holds (GPT-2's BPE has 50257); must exceed every token id in the data." }),
  contextLength: int({ surface: 'both', label: 'Context length (tokens)', unit: 'tokens', default: null, min: 1, max: 131_072, description: 'Longest sequence the model attends over (block size, position embeddings).' }),
  layers: int({ surface: 'both', nativeKey: 'nLayer', label: 'Layers', unit: 'blocks', default: null, min: 1, max: 256, description: 'Transformer blocks.' }),
  heads: int({ surface: 'both', nativeKey: 'nHead', label: 'Attention heads', unit: 'heads', default: null, min: 1, max: 256, description: 'Attention heads per block; must divide the embedding width.' }),
  embeddingWidth: int({ surface: 'both', nativeKey: 'nEmbd', label: 'Width (embedding channels)', unit: 'channels', default: null, min: 1, max: 65_536, description: 'Channels of the residual stream (n_embd).' }),
  dropout: float({ surface: 'both', label: 'Dropout', default: 0, min: 0, max: 1, exclusiveMax: true, description: 'Dropout on embeddings, attention and residual branches; 0 for pretraining, ~0.1 for fine-tuning on small data.' }),
  bias: bool({ surface: 'both', label: 'Bias', default: true, description: 'Biases in linear layers and LayerNorms, as GPT-2 has.' }),
  // The head on top of the decoder (GPTConfig's task and numLabels at the native door); the API
  // sets numLabels from the model's label names.
  task: choice({
    surface: 'both',
    label: 'Task',
    values: ['causal-lm', 'classification'],
    default: 'causal-lm',
    graphqlEnum: { name: 'ModelTask', description: 'What a model predicts: the next token (CAUSAL_LM) or a label for a whole text (CLASSIFICATION)' },
    description: 'causal-lm: a language-model head predicting the next token; classification: a score head over the last non-padding token (as GPT2ForSequenceClassification).',
  }),
  numLabels: int({ surface: 'both', label: 'Labels', unit: 'labels', default: 0, min: 0, max: 1000, description: 'Classes of a classification head: 0 for causal-lm, at least 2 for classification.' }),
} as const;

/** The options of the task head; the others shape the decoder (the architecture). */
export const MODEL_HEAD_KEYS = ['task', 'numLabels'] as const;
type HeadKey = (typeof MODEL_HEAD_KEYS)[number];

/** The architecture options alone: what ModelArchitectureInput and the presets carry. */
export const ARCHITECTURE_OPTIONS = Object.fromEntries(Object.entries(MODEL_OPTIONS).filter(([key]) => !(MODEL_HEAD_KEYS as readonly string[]).includes(key))) as Omit<typeof MODEL_OPTIONS, HeadKey>;

/** A model's task, as declared. */
export type ModelTaskValue = (typeof MODEL_OPTIONS.task.values)[number];

/** A complete, validated architecture (API names), without the task head. */
export type ModelArchitectureConfig = { [K in keyof ApiValues<typeof ARCHITECTURE_OPTIONS>]: NonNullable<ApiValues<typeof ARCHITECTURE_OPTIONS>[K]> };
