// What the loaded libtorch is: version, CUDA, devices, which CPU kernels run.
import { load } from './addon.ts';
import type { NativeOptionDefaults, NativeRuntimeInfo } from './types.ts';

/** libtorch version, whether CUDA is available, and the devices it sees. */
export function version(): NativeRuntimeInfo {
  return load().version();
}

/**
 * The defaults the C++ side falls back to for options left out, read from its default-constructed
 * option structs: a test compares them with the TypeScript declaration of each option.
 */
export function optionDefaults(): NativeOptionDefaults {
  return load().optionDefaults();
}
