// Checkpoints for export tests: a tokenizer trained on a few lines of text, a small model trained a
// few steps on its tokens (so its weights are not the symmetric initialization), and a LoRA
// fine-tune of it saved as adapters only (naming the model as its base checkpoint).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, train, writeTokenShard } from '../../../../../native/index.ts';
import { TextTokenizer, trainTokenizer } from '../../../datasets/tokenizer.ts';
import type { ExportedModel } from '../export-format.ts';

export interface ExportFixture {
  tokenizerJson: string;
  encoder: TextTokenizer;
  model: ExportedModel;
  /** A trained full checkpoint. */
  checkpoint: string;
  /** An adapter-only LoRA checkpoint over `checkpoint`. */
  loraCheckpoint: string;
}

const LINES = ['the quick brown fox jumps over the lazy dog', 'a model of words, trained on the lines it reads', '<context> what is exported? <response> every version, with parity', 'numbers 0 1 2 3 4 5 6 7 8 9 and more text here'];

export async function exportFixture(dir: string): Promise<ExportFixture> {
  const text = join(dir, 'corpus.txt');
  writeFileSync(text, Array.from({ length: 40 }, (_, i) => LINES[i % LINES.length]).join('\n'));
  const tokenizerJson = await trainTokenizer([text], 300);
  const encoder = new TextTokenizer(tokenizerJson);
  const vocabSize = encoder.vocabSize;
  const model: ExportedModel = { vocabSize, contextLength: 32, nLayer: 2, nHead: 4, nEmbd: 32, dropout: 0, bias: true };
  const { path: init } = await createModel({ model, outputDir: join(dir, 'init'), seed: 5 });
  const { ids } = await encoder.encodeBatch(Array.from({ length: 30 }, (_, i) => LINES[i % LINES.length]!));
  const tokens = ids.flatMap((line) => [...line, encoder.endOfTextId]);
  const shard = join(dir, 'train');
  writeTokenShard(shard, Uint16Array.from(tokens), vocabSize);
  const base = await train({ initFrom: init, trainShards: [shard], maxSteps: 30, batchSize: 4, learningRate: 3e-3, threads: 1, checkpointDir: join(dir, 'run') }).done;
  const checkpoint = base.lastCheckpoint!;
  const lora = await train({
    initFrom: checkpoint,
    lora: { rank: 4, alpha: 8, dropout: 0, targets: ['attn.c_attn', 'mlp.c_fc'] },
    trainShards: [shard],
    maxSteps: 10,
    batchSize: 4,
    learningRate: 1e-2,
    warmupSteps: 0,
    threads: 1,
    checkpointDir: join(dir, 'lora-run'),
  }).done;
  return { tokenizerJson, encoder, model, checkpoint, loraCheckpoint: lora.lastCheckpoint! };
}
