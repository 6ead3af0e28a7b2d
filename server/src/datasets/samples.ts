// The sample datasets that ship in datasets/, registered on a fresh installation (when the
// datasets table is empty) so the first workflow works out of the box. They belong to the first
// admin: every admin may change them, developers only read them.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { SAMPLES_DIR } from '../paths.ts';
import type { DatasetsService } from './datasets.service.ts';
import { type CreateDatasetInput, DatasetFormatValue } from './datasets.types.ts';

export interface SampleDataset {
  file: string;
  input: Omit<CreateDatasetInput, 'uploadId'>;
}

export const SAMPLE_DATASETS: readonly SampleDataset[] = [
  { file: 'tinyshakespeare.txt', input: { name: 'tiny-shakespeare', description: 'Tiny Shakespeare (about 1 MB of plays), plain text', format: DatasetFormatValue.TEXT } },
  {
    file: 'instructions.jsonl',
    input: { name: 'sample-instructions', description: 'Prompt/response pairs (JSONL) as instruction examples', format: DatasetFormatValue.JSONL, promptField: 'prompt', responseField: 'response' },
  },
  { file: 'reviews.csv', input: { name: 'sample-reviews', description: 'Product reviews (CSV with quoted fields)', format: DatasetFormatValue.CSV, textFields: ['review'] } },
  { file: 'facts.tfrecord', input: { name: 'sample-facts', description: 'Short facts as tf.train.Example records (TFRecord)', format: DatasetFormatValue.TFRECORD, textFields: ['text'] } },
];

/**
 * Registers every sample when no dataset exists yet, owned by `ownerId` (the first admin; null
 * leaves them to admins all the same); a failing sample is logged and skipped.
 */
export async function seedSampleDatasets(service: DatasetsService, logger: Logger, ownerId: string | null, samplesDir = SAMPLES_DIR): Promise<number> {
  if ((await service.datasetCount()) > 0) return 0;
  const actor = { kind: 'system', ownerId } as const;
  let created = 0;
  for (const sample of SAMPLE_DATASETS) {
    const path = join(samplesDir, sample.file);
    if (!existsSync(path)) continue;
    try {
      const upload = await service.receiveUpload(actor, createReadStream(path), sample.file);
      await service.createDataset(actor, { ...sample.input, uploadId: upload.id });
      created++;
    } catch (error) {
      logger.warn({ err: error, sample: sample.file }, 'could not register a sample dataset');
    }
  }
  if (created) logger.info({ created }, 'registered the sample datasets');
  return created;
}
