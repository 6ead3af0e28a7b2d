// What the loaded libtorch is: version, CUDA, devices, which CPU kernels run.
import { load } from './addon.ts';
import type { NativeRuntimeInfo } from './types.ts';

/** libtorch version, whether CUDA is available, and the devices it sees. */
export function version(): NativeRuntimeInfo {
  return load().version();
}

