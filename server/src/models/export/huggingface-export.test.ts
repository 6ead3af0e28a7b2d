// The Hugging Face export against the real other side: transformers loads the folder offline as
// GPT2LMHeadModel and gives the same target log-probabilities as EGen's native model, and a
// classifier as GPT2ForSequenceClassification with the same logits.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModel, ExampleShardWriter, openModel, train, writeTokenShard } from '../../../../native/index.ts';
import { syntheticTokens } from '../../../../native/test/synthetic-tokens.ts';
import { referencePython } from '../../../../scripts/libtorch.ts';
import { exportHuggingFace } from './huggingface-export.ts';

const MODEL = { vocabSize: 65, contextLength: 16, nLayer: 2, nHead: 4, nEmbd: 32 };

function transformersScore(dir: string, inputs: number[][], targets: number[][]): { logProbs: number[]; argmax: number[]; class: string } {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'hf_log_probs.py'), JSON.stringify({ dir, inputs, targets })], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (result.status !== 0) throw new Error(`hf_log_probs.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { logProbs: number[]; argmax: number[]; class: string };
}

function transformersClassify(dir: string, inputs: number[][]): { logits: number[]; class: string; id2label: Record<string, string> } {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'hf_classify.py'), JSON.stringify({ dir, inputs })], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (result.status !== 0) throw new Error(`hf_classify.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { logits: number[]; class: string; id2label: Record<string, string> };
}

describe('Hugging Face export', () => {
  it('loads in transformers as GPT2LMHeadModel with the native model’s log-probabilities (max |Δ| ≤ 1e-5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egen-hf-export-'));
    // A trained model, so that the weights are not the symmetric initialization.
    const { path: init } = await createModel({ model: MODEL, outputDir: join(dir, 'init'), seed: 3 });
    const shard = join(dir, 'train');
    writeTokenShard(shard, syntheticTokens(4000, MODEL.vocabSize), MODEL.vocabSize);
    const run = train({ initFrom: init, trainShards: [shard], maxSteps: 20, batchSize: 4, learningRate: 3e-3, threads: 1, checkpointDir: join(dir, 'run') });
    const result = await run.done;
    const checkpoint = result.lastCheckpoint!;

    const out = join(dir, 'hf');
    const exported = await exportHuggingFace(checkpoint, out, { eosTokenId: 0 });
    expect(exported.files.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    expect(readdirSync(dir).filter((name) => name.startsWith('.export-'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 32, vocab_size: 65, n_positions: 16 });

    const tokens = syntheticTokens(1000, MODEL.vocabSize, 7);
    const T = MODEL.contextLength;
    const inputs = [0, 1, 2].map((k) => Array.from(tokens.subarray(k * T, k * T + T)));
    const targets = [0, 1, 2].map((k) => Array.from(tokens.subarray(k * T + 1, k * T + T + 1)));
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      const native = await model.score({ inputs, targets, threads: 1 });
      const hf = transformersScore(out, inputs, targets);
      expect(hf.class).toBe('GPT2LMHeadModel');
      const maxDiff = Math.max(...hf.logProbs.map((v, i) => Math.abs(v - native.logProbs[i]!)));
      console.log(`[hf-export] max |Δ log p| native vs transformers: ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      const hits = hf.argmax.filter((id, i) => id === targets.flat()[i]).length;
      expect(hits).toBe(native.correct);
    } finally {
      model.dispose();
    }
  });

  it('refuses what GPT2LMHeadModel cannot hold and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egen-hf-export-'));
    const { path: noBias } = await createModel({ model: { ...MODEL, bias: false }, outputDir: join(dir, 'nobias'), seed: 1 });
    await expect(exportHuggingFace(noBias, join(dir, 'out'))).rejects.toThrow(/without biases/);
    const { path: ok } = await createModel({ model: MODEL, outputDir: join(dir, 'ok'), seed: 1 });
    writeFileSync(join(ok, 'model.safetensors'), Buffer.from([1, 2, 3]));
    await expect(exportHuggingFace(ok, join(dir, 'out'))).rejects.toThrow(/truncated/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('.export-'))).toEqual([]);
  });

  it('exports a classifier as GPT2ForSequenceClassification with its labels and the native logits (max |Δ| ≤ 1e-5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egen-hf-export-'));
    const classifier = { ...MODEL, task: 'classification' as const, numLabels: 3 };
    const { path: init } = await createModel({ model: classifier, outputDir: join(dir, 'init'), seed: 3 });
    const shard = join(dir, 'examples');
    const writer = new ExampleShardWriter(shard, { vocabSize: MODEL.vocabSize, numLabels: 3 });
    const tokens = syntheticTokens(2000, MODEL.vocabSize, 5);
    // token 0 (the export's pad id) never occurs in a row
    for (let i = 0; i < 120; i++)
      writer.add(
        Array.from(tokens.subarray(i * 9, i * 9 + 3 + (i % 7)), (t) => 1 + (t % (MODEL.vocabSize - 1))),
        i % 3,
      );
    writer.finish();
    const run = await train({ initFrom: init, trainShards: [shard], maxSteps: 10, batchSize: 4, learningRate: 3e-3, threads: 1, checkpointDir: join(dir, 'run') }).done;
    const checkpoint = run.lastCheckpoint!;

    await expect(exportHuggingFace(checkpoint, join(dir, 'bad'), { labels: ['a', 'b'] })).rejects.toThrow(/is a classifier with 3 labels but 2 label names were given/);
    await expect(exportHuggingFace(checkpoint, join(dir, 'bad'), { labels: ['a', 'b', 'a'] })).rejects.toThrow(/repeats "a"/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);

    const out = join(dir, 'hf');
    await exportHuggingFace(checkpoint, out, { eosTokenId: 0, labels: ['negative', 'neutral', 'positive'] });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['GPT2ForSequenceClassification'], num_labels: 3, pad_token_id: 0, id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, label2id: { negative: 0, neutral: 1, positive: 2 } });

    const inputs = [[5, 9, 12, 40, 7], [3], [17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32], [60, 2, 44]];
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      const native = await model.classify({ inputs, threads: 1 });
      const hf = transformersClassify(out, inputs);
      expect(hf.class).toBe('GPT2ForSequenceClassification');
      expect(hf.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
      const maxDiff = Math.max(...hf.logits.map((v, i) => Math.abs(v - native.data[i]!)));
      console.log(`[hf-export] classifier: max |Δ logit| native vs transformers: ${maxDiff.toExponential(2)}`);
      expect(hf.logits.length).toBe(inputs.length * 3);
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    } finally {
      model.dispose();
    }
    // Without label names: LABEL_0…
    await exportHuggingFace(checkpoint, join(dir, 'plain'));
    expect(JSON.parse(readFileSync(join(dir, 'plain', 'config.json'), 'utf8'))).toMatchObject({ id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' }, pad_token_id: null });
  });
});
