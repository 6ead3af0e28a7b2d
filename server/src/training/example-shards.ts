// The labelled example shards a classifier's run trains on, written into the run's folder from
// its dataset version: label ids follow the model's label order, which is why a run writes them
// rather than the dataset build (one version serves classifiers whose labels differ in order).
// The only place the server writes example shards (native ExampleShardWriter).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExampleShardWriter } from '../../../native/index.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { DatasetVersionType } from '../datasets/datasets.types.ts';

export interface RunExampleShards {
  /** Shard stems per split; a split without examples has none. */
  train: string[];
  validation: string[];
  examples: { train: number; validation: number };
}

/**
 * Writes one example shard per split of `version` under `dir` (replacing any earlier ones), with
 * label ids by position in `labels` and examples cut to `maxTokens` (the model's context). A
 * failure leaves no shard behind.
 */
export async function writeRunExampleShards(datasets: DatasetsService, version: DatasetVersionType, labels: readonly string[], maxTokens: number, dir: string): Promise<RunExampleShards> {
  rmSync(dir, { recursive: true, force: true });
  const out: RunExampleShards = { train: [], validation: [], examples: { train: 0, validation: 0 } };
  try {
    for (const split of ['train', 'validation'] as const) {
      const stem = join(dir, `${split}-examples`);
      // Created at the first example: a shard must hold at least one.
      let writer: ExampleShardWriter | null = null;
      try {
        for await (const batch of datasets.labelledExamples(version, { split, labels, maxTokens })) {
          writer ??= new ExampleShardWriter(stem, { vocabSize: version.vocabSize, numLabels: labels.length });
          batch.inputs.forEach((tokens, i) => writer!.add(tokens, batch.labels[i]!));
        }
        if (writer) {
          out.examples[split] = writer.finish().examples;
          out[split].push(stem);
        }
      } catch (error) {
        writer?.abort();
        throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return out;
}
