// Diagnostics, not part of the training or serving surface: the toolchain check that the addon
// loads, runs libtorch off the JavaScript thread and returns a tensor. The entry exports this
// module as `diagnostics` (`diagnostics.matmul`).
import { load } from './addon.ts';
import { checkTensor } from './checks.ts';
import { crossing } from './crossing.ts';
import type { Float32Tensor } from './types.ts';

/**
 * Matrix product with torch.matmul semantics (batched, broadcasting), computed by libtorch off
 * the JavaScript thread. A toolchain check for tests and installation checks; the platform
 * itself never calls it.
 */
export function matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor> {
  const left = checkTensor('a', a);
  const right = checkTensor('b', b);
  const native = load();
  return crossing(matmul, () => native.matmul(left, right));
}
