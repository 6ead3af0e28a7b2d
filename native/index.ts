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
