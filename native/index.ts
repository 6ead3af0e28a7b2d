// The one typed door into the libtorch addon. Nothing else loads the .node file.
//
// Every argument is validated here, with a message that names it, before it crosses into C++;
// C++ sees only plain, normalized values. Long native calls return promises, and a native
// failure is rethrown with the caller's stack (captured before crossing), so it points at the
// user's line rather than at the addon.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A device libtorch can run on. */
export interface NativeDevice {
  type: 'cpu' | 'cuda';
  index: number;
  name: string;
  /** Total device memory in bytes; 0 for the CPU. */
  totalMemoryBytes: number;
}

/** What the loaded libtorch is and can do. */
export interface NativeRuntimeInfo {
  libtorch: string;
  cudaAvailable: boolean;
  /** CUDA version libtorch was built with, or null for a CPU build. */
  cudaVersion: string | null;
  intraOpThreads: number;
  devices: NativeDevice[];
}

/** A dense float32 tensor in row-major order. */
export interface Float32Tensor {
  data: Float32Array;
  shape: number[];
}

/** The shape of the addon's export table (native/src/addon.cc). */
interface AddonExports {
  version(): NativeRuntimeInfo;
  matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor>;
  // tokenizer (native/src/bindings/tokenizer_bindings.cc)
  trainBpe(options: NativeTrainBpeArgs): Promise<TrainBpeResult>;
}

export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'egen_native.node');

export class NativeAddonNotBuiltError extends Error {
  constructor() {
    super(`The native addon is not built (${ADDON_PATH} is missing); run ./start.sh or npm run build:native`);
    this.name = 'NativeAddonNotBuiltError';
  }
}

let addon: AddonExports | null = null;

function load(): AddonExports {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) throw new NativeAddonNotBuiltError();
  addon = createRequire(import.meta.url)(ADDON_PATH) as AddonExports;
  return addon;
}

/** True when the addon file exists and loads. */
export function isNativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

// ---- argument checks (one line each, messages a user understands) ----

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** Throws a TypeError: `Expected <what> for <name> but received <value> of type <type>`. */
function expected(what: string, name: string, value: unknown): never {
  if (value === null || value === undefined) throw new TypeError(`Expected ${what} for ${name} but received ${String(value)}`);
  const shown = typeof value === 'string' ? `"${value}"` : typeof value === 'object' && value !== null ? '' : String(value);
  throw new TypeError(`Expected ${what} for ${name} but received ${shown ? `${shown} of type ` : ''}${describe(value)}`);
}

function checkTensor(name: string, value: unknown): Float32Tensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected('an object { data: Float32Array, shape: number[] }', name, value);
  const { data, shape } = value as Partial<Float32Tensor>;
  if (!(data instanceof Float32Array)) expected('Float32Array', `${name}.data`, data);
  if (!Array.isArray(shape) || shape.length === 0) expected('a non-empty array of dimensions', `${name}.shape`, shape);
  shape.forEach((dim, i) => {
    if (!Number.isSafeInteger(dim) || dim < 0) expected('a non-negative integer', `${name}.shape[${i}]`, dim);
  });
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`Expected ${name}.data to hold ${count} elements for shape [${shape.join(', ')}] but it holds ${data.length}`);
  }
  return { data, shape: [...shape] };
}

/**
 * Runs a native promise, keeping the caller's stack on failure: the Error is captured before
 * crossing, with frames above `publicFunction` removed, so it points at the user's line.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
async function crossing<T>(publicFunction: Function, call: () => Promise<T>): Promise<T> {
  const callerStack = new Error(publicFunction.name);
  Error.captureStackTrace(callerStack, publicFunction);
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    callerStack.message = message;
    throw callerStack;
  }
}

// ---- public surface ----

/** libtorch version, whether CUDA is available, and the devices it sees. */
export function version(): NativeRuntimeInfo {
  return load().version();
}

/**
 * Matrix product with torch.matmul semantics (batched, broadcasting), computed by libtorch off
 * the JavaScript thread.
 */
export function matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor> {
  const left = checkTensor('a', a);
  const right = checkTensor('b', b);
  const native = load();
  return crossing(matmul, () => native.matmul(left, right));
}

// ---- tokenizer ----

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** UTF-8 text files; each line (with its line ending) is one training sequence. */
  files: string[];
  /** Final vocabulary size: special tokens + 256 byte symbols + merges. */
  vocabSize: number;
  /** Tokens given the first ids, in order. Defaults to none. */
  specialTokens?: string[];
  /** Pairs seen fewer times are never merged. Defaults to 0. */
  minFrequency?: number;
  /** Counting threads. Defaults to 0 (all cores). */
  threads?: number;
}

export interface TrainBpeResult {
  /** Token of each id, in the byte-level alphabet. */
  vocab: string[];
  /** Merges in rank order. */
  merges: Array<[string, string]>;
  /** Distinct pre-tokenized words counted. */
  words: number;
  bytesRead: number;
}

interface NativeTrainBpeArgs {
  files: string[];
  vocabSize: number;
  specialTokens: string[];
  minFrequency: number;
  threads: number;
  charClasses: Uint8Array;
}

let charClasses: Uint8Array | null = null;

/** Unicode classes of every code point (1 letter, 2 number, 4 white space), from V8's tables. */
function unicodeCharClasses(): Uint8Array {
  if (charClasses) return charClasses;
  const table = new Uint8Array(0x110000);
  const letter = /\p{L}/u;
  const number = /\p{N}/u;
  const space = /\s/u;
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    table[cp] = (letter.test(ch) ? 1 : 0) | (number.test(ch) ? 2 : 0) | (space.test(ch) ? 4 : 0);
  }
  charClasses = table;
  return table;
}

/**
 * Trains a byte-level BPE vocabulary the way Hugging Face tokenizers' BpeTrainer does (GPT-2
 * pre-tokenization, byte alphabet, highest-count merges), in C++ off the JavaScript thread.
 */
export function trainBpe(options: TrainBpeOptions): Promise<TrainBpeResult> {
  if (typeof options !== 'object' || options === null) expected('an options object', 'options', options);
  if (!Array.isArray(options.files) || options.files.length === 0) expected('a non-empty array of file paths', 'options.files', options.files);
  options.files.forEach((file, i) => {
    if (typeof file !== 'string' || file === '') expected('a file path', `options.files[${i}]`, file);
  });
  const specialTokens = options.specialTokens ?? [];
  if (!Array.isArray(specialTokens)) expected('an array of strings', 'options.specialTokens', specialTokens);
  specialTokens.forEach((token, i) => {
    if (typeof token !== 'string' || token === '') expected('a non-empty string', `options.specialTokens[${i}]`, token);
  });
  const minimum = specialTokens.length + 256;
  if (!Number.isSafeInteger(options.vocabSize) || options.vocabSize < minimum || options.vocabSize > 1_000_000) {
    expected(`an integer between ${minimum} and 1000000`, 'options.vocabSize', options.vocabSize);
  }
  const minFrequency = options.minFrequency ?? 0;
  if (!Number.isSafeInteger(minFrequency) || minFrequency < 0) expected('a non-negative integer', 'options.minFrequency', minFrequency);
  const threads = options.threads ?? 0;
  if (!Number.isSafeInteger(threads) || threads < 0 || threads > 256) expected('an integer between 0 and 256', 'options.threads', threads);
  const native = load();
  const args: NativeTrainBpeArgs = { files: [...options.files], vocabSize: options.vocabSize, specialTokens: [...specialTokens], minFrequency, threads, charClasses: unicodeCharClasses() };
  return crossing(trainBpe, () => native.trainBpe(args));
}
