import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cachedLibtorchLocation, PROJECT_ROOT } from '../../scripts/libtorch.ts';
import { diagnostics, version } from '../index.ts';

const { matmul } = diagnostics;

describe('native addon', () => {
  it('loads and reports the libtorch version it was built against', () => {
    const info = version();
    const location = cachedLibtorchLocation();
    expect(info.libtorch).toMatch(/^\d+\.\d+\.\d+/);
    if (location) expect(location.version.startsWith(info.libtorch)).toBe(true);
    expect(info.devices[0]).toMatchObject({ type: 'cpu', index: 0 });
    expect(info.cudaAvailable).toBe(info.devices.some((d) => d.type === 'cuda'));
    expect(info.intraOpThreads).toBeGreaterThan(0);
  });

  it('uses its own CPU kernels on Linux x86-64 with the official wheel, and EGEN_CPU_KERNELS=off turns them off', () => {
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(version().cpuKernels).toEqual({ causalAttention: true, gelu: true });
    }
    const script = "import { version } from './native/index.ts'; console.log(JSON.stringify(version().cpuKernels));";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, EGEN_CPU_KERNELS: 'off' },
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n').pop()!)).toEqual({ causalAttention: false, gelu: false });
  });

  it('computes a matmul equal to the known result', async () => {
    // [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    const product = await matmul({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, { data: new Float32Array([7, 8, 9, 10, 11, 12]), shape: [3, 2] });
    expect(product.shape).toEqual([2, 2]);
    expect(Array.from(product.data)).toEqual([58, 64, 139, 154]);
  });

  it('broadcasts batched products like torch.matmul', async () => {
    const a = { data: Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i), shape: [2, 2, 3] };
    const b = { data: new Float32Array([1, 0, 0, 1, 1, 1]), shape: [3, 2] };
    const product = await matmul(a, b);
    expect(product.shape).toEqual([2, 2, 2]);
    // each row [x, y, z] maps to [x + z, y + z]
    expect(Array.from(product.data)).toEqual([2, 3, 8, 9, 14, 15, 20, 21]);
  });

  it('a wrong argument type gives the exact TypeScript error message', () => {
    expect(() => matmul({ data: 'nope' as unknown as Float32Array, shape: [1] }, { data: new Float32Array(1), shape: [1] })).toThrow(new TypeError('Expected Float32Array for a.data but received "nope" of type string'));
    expect(() => matmul({ data: new Float32Array(1), shape: [1] }, { data: [1] as unknown as Float32Array, shape: [1] })).toThrow(new TypeError('Expected Float32Array for b.data but received array'));
    expect(() => matmul(null as unknown as { data: Float32Array; shape: number[] }, { data: new Float32Array(1), shape: [1] })).toThrow(new TypeError('Expected an object { data: Float32Array, shape: number[] } for a but received null'));
    expect(() => matmul({ data: new Float32Array(1), shape: [1.5] }, { data: new Float32Array(1), shape: [1] })).toThrow(new TypeError('Expected a non-negative integer for a.shape[0] but received 1.5 of type number'));
    expect(() => matmul({ data: new Float32Array(3), shape: [2, 2] }, { data: new Float32Array(1), shape: [1] })).toThrow(new RangeError('Expected a.data to hold 4 elements for shape [2, 2] but it holds 3'));
  });

  it("a libtorch failure rejects with a message naming the operation and keeps the caller's stack", async () => {
    const error = await matmul({ data: new Float32Array(2), shape: [1, 2] }, { data: new Float32Array(3), shape: [3, 1] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('matmul: mat1 and mat2 shapes cannot be multiplied (1x2 and 3x1)');
    expect((error as Error).stack).toContain('addon.test.ts');
  });
});
