// ONNX inference through onnxruntime-node against EGen's native forward (NativeModel.logits) on the
// same batch: the figure `npm run bench:export` reports. Both run on the CPU with the same number
// of intra-op threads; each is warmed up once, then timed `runs` times (median).
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openModel } from '../../../../../native/index.ts';
import { maxAbsDifference } from '../export-format.ts';
import { onnxLogits, openOnnxSession } from './onnx-runtime.ts';

export interface OnnxBenchmarkOptions {
  /** The checkpoint the ONNX file was exported from. */
  checkpointDir: string;
  /** The exported model.onnx (the full graph). */
  onnxPath: string;
  /** Rows in the batch. Defaults to 4. */
  batchSize?: number;
  /** Tokens per row, at most the context length. Defaults to min(128, context length). */
  sequenceLength?: number;
  /** Timed runs of each, after one warm-up. Defaults to 5. */
  runs?: number;
  /** Intra-op threads of both runtimes. Defaults to the machine's available parallelism. */
  threads?: number;
}

export interface OnnxBenchmarkResult {
  batchSize: number;
  sequenceLength: number;
  runs: number;
  threads: number;
  /** Median milliseconds of one forward pass over the batch. */
  onnxMs: number;
  nativeMs: number;
  /** onnxMs / nativeMs (< 1: onnxruntime is faster). */
  ratio: number;
  /** max |Δ logit| between the two on the batch (the parity figure, on the benchmark's batch). */
  maxAbsDifference: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(runs: number, forward: () => Promise<Float32Array>): Promise<{ ms: number; logits: Float32Array }> {
  let logits = await forward(); // warm-up: allocations, kernel selection, first-touch of the weights
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    logits = await forward();
    times.push(performance.now() - start);
  }
  return { ms: median(times), logits };
}

export async function benchmarkOnnxInference(options: OnnxBenchmarkOptions): Promise<OnnxBenchmarkResult> {
  const runs = options.runs ?? 5;
  const threads = options.threads ?? availableParallelism();
  const batchSize = options.batchSize ?? 4;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`benchmarkOnnxInference: runs must be a positive integer, got ${runs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`benchmarkOnnxInference: batchSize must be a positive integer, got ${batchSize}`);
  const native = await openModel({ checkpoint: options.checkpointDir, device: 'cpu' });
  try {
    const { vocabSize, contextLength } = native.info.model;
    const sequenceLength = options.sequenceLength ?? Math.min(128, contextLength);
    if (!Number.isInteger(sequenceLength) || sequenceLength < 1 || sequenceLength > contextLength) throw new RangeError(`benchmarkOnnxInference: sequenceLength must be 1 to ${contextLength} (the context length), got ${sequenceLength}`);
    // A fixed batch spread over the vocabulary (linear congruential), the same on every call.
    let state = 12345;
    const inputs = Array.from({ length: batchSize }, () =>
      Array.from({ length: sequenceLength }, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state % vocabSize;
      }),
    );
    const session = await openOnnxSession(options.onnxPath, { threads });
    try {
      const onnx = await timed(runs, () => onnxLogits(session, inputs));
      const reference = await timed(runs, async () => (await native.logits({ inputs, threads })).data);
      return { batchSize, sequenceLength, runs, threads, onnxMs: onnx.ms, nativeMs: reference.ms, ratio: onnx.ms / reference.ms, maxAbsDifference: maxAbsDifference(reference.logits, onnx.logits) };
    } finally {
      await session.release();
    }
  } finally {
    native.dispose();
  }
}
