// Generation: a model opened for serving, and generate() with its sampling options, streaming
// tokens as they are produced and cancellable by an AbortSignal.
import { load, type NativeServedModel, type Plain } from './addon.ts';
import { checkBoolean, checkDevice, checkInteger, checkNumber, checkObject, checkString, checkTokenList, expected, opt } from './checks.ts';
import { crossing } from './crossing.ts';
import type { Float32Tensor, GenerationResult, ModelInfo, ScoreResult } from './types.ts';

/** Options of NativeModel.generate. */
export interface GenerateOptions {
  /** One or more prompts (token ids), generated together as a left-padded batch. */
  prompts: number[][];
  /** Tokens to generate per prompt, at most; generation also ends at the context length. Defaults to 64. */
  maxNewTokens?: number;
  /** Sampling temperature; 0 = greedy. Defaults to 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off. Defaults to 0. */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens holding this much probability; 1 = off. Defaults to 1. */
  topP?: number;
  /** > 1 discourages tokens already in the sequence (Hugging Face's rule). Defaults to 1. */
  repetitionPenalty?: number;
  /** Generation of a prompt ends after one of these tokens. Defaults to none. */
  stopTokens?: number[];
  /** Seed of the sampler. Defaults to 0. */
  seed?: number;
  /** Reuse keys and values of past positions (the result is the same without it, only slower). Defaults to true. */
  useCache?: boolean;
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
  /** Cancels the generation; the promise resolves with what was generated so far. Defaults to none. */
  signal?: AbortSignal;
}

/** One token, streamed as produced. */
export interface GeneratedToken {
  /** Which prompt it continues. */
  prompt: number;
  token: number;
  /** 0-based position among the generated tokens. */
  index: number;
}

/** Options of NativeModel.score. */
export interface ScoreOptions {
  /** Input token ids: B rows of T tokens, T at most the context length. */
  inputs: number[][];
  /** The next-token targets, the same shape as inputs. */
  targets: number[][];
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/** Options of NativeModel.logits. */
export interface LogitsOptions {
  /** Input token ids: B rows of T tokens, T at most the context length. */
  inputs: number[][];
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/** Options of NativeModel.classify. */
export interface ClassifyOptions {
  /** Input token ids: B rows of 1 to contextLength tokens each; rows may differ in length. */
  inputs: number[][];
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/** A model loaded for generation and scoring (causal-lm) or classification. Calls on one model run one at a time. */
export class NativeModel {
  #native: NativeServedModel | null;
  readonly info: ModelInfo;

  /** @internal use openModel */
  constructor(native: NativeServedModel) {
    this.#native = native;
    this.info = native.info;
  }

  /** Generates continuations, streaming each token to `onToken` as it is produced. */
  generate(options: GenerateOptions, onToken?: (token: GeneratedToken) => void): Promise<GenerationResult> {
    const native = this.#loaded();
    this.#requireTask('causal-lm', 'generate');
    const o = checkObject('options', options);
    const vocab = this.info.model.vocabSize;
    if (!Array.isArray(o.prompts) || o.prompts.length === 0) expected('a non-empty array of prompts', 'options.prompts', o.prompts);
    const prompts = o.prompts.map((prompt, i) => {
      const tokens = checkTokenList(`options.prompts[${i}]`, prompt, vocab);
      if (tokens.length === 0) throw new RangeError(`Expected options.prompts[${i}] to hold at least one token`);
      if (tokens.length > this.info.model.contextLength) throw new RangeError(`Expected options.prompts[${i}] to fit the context length ${this.info.model.contextLength} but it holds ${tokens.length} tokens`);
      return tokens;
    });
    const p = 'options.';
    const plain: Record<string, Plain> = {
      prompts,
      maxNewTokens: opt(o, 'maxNewTokens', p, 64, (n, v) => checkInteger(n, v, 1)),
      temperature: opt(o, 'temperature', p, 1, (n, v) => checkNumber(n, v, 0, Infinity)),
      topK: opt(o, 'topK', p, 0, (n, v) => checkInteger(n, v, 0)),
      topP: opt(o, 'topP', p, 1, (n, v) => checkNumber(n, v, 0, 1, { minExclusive: true })),
      repetitionPenalty: opt(o, 'repetitionPenalty', p, 1, (n, v) => checkNumber(n, v, 0, Infinity, { minExclusive: true })),
      stopTokens: opt(o, 'stopTokens', p, [] as number[], (n, v) => checkTokenList(n, v, vocab)),
      seed: opt(o, 'seed', p, 0, (n, v) => checkInteger(n, v, 0)),
      useCache: opt(o, 'useCache', p, true, checkBoolean),
      threads: opt(o, 'threads', p, 0, (n, v) => checkInteger(n, v, 1, 1024)),
    };
    if (onToken !== undefined && typeof onToken !== 'function') expected('a function', 'onToken', onToken);
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) expected('an AbortSignal', 'options.signal', signal);
    if (signal?.aborted) {
      return Promise.resolve({ sequences: prompts.map(() => []), finishReasons: prompts.map(() => 'cancelled' as const) });
    }
    return crossing(this.generate, async () => {
      let callbackError: unknown = null;
      const job = native.generate(plain, (event) => {
        if (!onToken || callbackError) return;
        try {
          event.tokens.forEach((token, prompt) => {
            if (token >= 0) onToken({ prompt, token, index: event.step });
          });
        } catch (error) {
          callbackError = error;
          job.cancel();
        }
      });
      const abort = () => job.cancel();
      signal?.addEventListener('abort', abort, { once: true });
      try {
        const result = await job.done;
        if (callbackError) throw callbackError;
        return result;
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    });
  }

  /**
   * Scores next-token predictions in one forward pass without gradients (off the JavaScript
   * thread): the mean cross-entropy, the log-probability of every target and how many targets are
   * the most likely token.
   */
  score(options: ScoreOptions): Promise<ScoreResult> {
    const native = this.#loaded();
    this.#requireTask('causal-lm', 'score');
    const o = checkObject('options', options);
    const inputs = this.#tokenRows('options.inputs', o.inputs);
    const targets = this.#tokenRows('options.targets', o.targets);
    const width = inputs[0]!.length;
    if (targets.length !== inputs.length || targets.some((row) => row.length !== width)) {
      throw new RangeError(`Expected options.targets to have the shape of options.inputs (${inputs.length} rows of ${width} tokens)`);
    }
    const plain: Record<string, Plain> = {
      inputs,
      targets,
      threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
    };
    return crossing(this.score, () => native.score(plain));
  }

  /**
   * The raw next-token logits of every position, float32 (B, T, V), in one forward pass without
   * gradients (off the JavaScript thread): the reference export parity checks compare against.
   */
  logits(options: LogitsOptions): Promise<Float32Tensor> {
    const native = this.#loaded();
    this.#requireTask('causal-lm', 'logits');
    const o = checkObject('options', options);
    const plain: Record<string, Plain> = {
      inputs: this.#tokenRows('options.inputs', o.inputs),
      threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
    };
    return crossing(this.logits, () => native.logits(plain));
  }

  /**
   * A classification model's logits (B, numLabels), float32, in one forward pass without gradients
   * (off the JavaScript thread): rows are right-padded internally and each is read at its own last
   * token, so a row's logits do not depend on the others in the batch.
   */
  classify(options: ClassifyOptions): Promise<Float32Tensor> {
    const native = this.#loaded();
    this.#requireTask('classification', 'classify');
    const o = checkObject('options', options);
    const plain: Record<string, Plain> = {
      inputs: this.#raggedRows('options.inputs', o.inputs),
      threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
    };
    return crossing(this.classify, () => native.classify(plain));
  }

  #requireTask(task: 'causal-lm' | 'classification', operation: string): void {
    const { task: actual = 'causal-lm', numLabels } = this.info.model;
    if (actual === task) return;
    throw new TypeError(
      task === 'causal-lm' ? `${operation} needs a causal-lm model; this one is a classification model (numLabels ${numLabels}), use classify` : `${operation} needs a classification model; this one is causal-lm (use logits, score or generate)`,
    );
  }

  /** Non-empty rows of in-vocabulary tokens, each at most the context length. */
  #raggedRows(name: string, value: unknown): number[][] {
    const { vocabSize, contextLength } = this.info.model;
    if (!Array.isArray(value) || value.length === 0) expected('a non-empty array of token rows', name, value);
    return value.map((row, i) => {
      const tokens = checkTokenList(`${name}[${i}]`, row, vocabSize);
      if (tokens.length === 0 || tokens.length > contextLength) throw new RangeError(`Expected ${name}[${i}] to hold 1 to ${contextLength} tokens (the context length) but it holds ${tokens.length}`);
      return tokens;
    });
  }

  /** Non-empty rows of in-vocabulary tokens, all as long as the first and at most the context length. */
  #tokenRows(name: string, value: unknown): number[][] {
    const rows = this.#raggedRows(name, value);
    rows.forEach((row, i) => {
      if (row.length !== rows[0]!.length) throw new RangeError(`Expected ${name}[${i}] to hold ${rows[0]!.length} tokens, as ${name}[0], but it holds ${row.length}`);
    });
    return rows;
  }

  /**
   * Frees the native model: calls in flight finish first (they hold it until they settle), later
   * calls throw. Disposing twice does nothing.
   */
  dispose(): void {
    this.#native?.dispose();
    this.#native = null;
  }

  #loaded(): NativeServedModel {
    if (!this.#native) throw new Error('The model was disposed');
    return this.#native;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Options of openModel. */
export interface OpenModelOptions {
  /** A checkpoint directory (full weights, or LoRA adapters naming their base). */
  checkpoint: string;
  /** "auto" uses CUDA when available. Defaults to "auto". */
  device?: string;
}

/** Loads a checkpoint for generation (off the JavaScript thread). */
export async function openModel(options: OpenModelOptions): Promise<NativeModel> {
  const o = checkObject('options', options);
  const plain = { checkpoint: checkString('options.checkpoint', o.checkpoint), device: opt(o, 'device', 'options.', 'auto', checkDevice) };
  const native = load();
  const served = await crossing(openModel, () => native.openModel(plain));
  return new NativeModel(served);
}
