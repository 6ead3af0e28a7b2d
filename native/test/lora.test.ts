// LoRA fine-tuning, adapter-only checkpoints, merging, and embedding resizing.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModel, mergeLora, openModel, resizeEmbeddings, train, type StartEvent, type TrainingEvent } from '../index.ts';
import { makeShard, readSafetensors, TINY, tempDir } from './helpers.ts';

const dir = tempDir('lora');
const shard = makeShard(dir, 'train', 8000);

describe('LoRA', () => {
  it('trains only the adapters, saves adapter-only checkpoints, resumes, and merges', async () => {
    const { path: basePath } = await createModel({ model: TINY, outputDir: join(dir, 'base'), seed: 3 });
    const events: TrainingEvent[] = [];
    const lora = { rank: 4, alpha: 8, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const };
    const result = await train(
      { initFrom: basePath, lora: { ...lora, targets: [...lora.targets] }, trainShards: [shard], batchSize: 4, maxSteps: 6, threads: 1, learningRate: 1e-2, warmupSteps: 0, checkpointDir: join(dir, 'ckpt') },
      { onProgress: (e) => events.push(e) },
    ).done;
    expect(result.status).toBe('COMPLETED');
    const C = TINY.nEmbd,
      r = 4;
    const perBlock = r * (C + 3 * C) + r * (C + C) + r * (C + 4 * C) + r * (4 * C + C);
    const start = events[0] as StartEvent;
    expect(start.trainableParameters).toBe(TINY.nLayer * perBlock);
    expect(start.parameters).toBeGreaterThan(start.trainableParameters);

    const last = result.lastCheckpoint!;
    expect(readdirSync(last).sort()).toEqual(['adapter_model.safetensors', 'checkpoint.json', 'optimizer.safetensors', 'rng.safetensors']);
    const adapters = readSafetensors(join(last, 'adapter_model.safetensors'));
    expect([...adapters.keys()].every((k) => /\.lora_[AB]\.weight$/.test(k))).toBe(true);
    expect(adapters.get('transformer.h.0.attn.c_attn.lora_A.weight')!.shape).toEqual([r, C]);
    expect(adapters.get('transformer.h.0.attn.c_attn.lora_B.weight')!.shape).toEqual([3 * C, r]);
    // B starts at zero; training moved it
    expect((adapters.get('transformer.h.1.mlp.c_proj.lora_B.weight')!.data as Float32Array).some((v) => v !== 0)).toBe(true);

    // An adapter-only checkpoint resumes (its base is found through the manifest).
    const resumed = await train({ resumeFrom: last, trainShards: [shard], batchSize: 4, maxSteps: 8, threads: 1, learningRate: 1e-2, warmupSteps: 0 }).done;
    expect(resumed).toMatchObject({ status: 'COMPLETED', step: 8 });

    // Merging gives a plain model that generates exactly what the adapted model generates.
    const merged = await mergeLora({ checkpoint: last, outputDir: join(dir, 'merged') });
    expect(readdirSync(merged.path).sort()).toEqual(['checkpoint.json', 'model.safetensors']);
    const adapted = await openModel({ checkpoint: last });
    const plain = await openModel({ checkpoint: merged.path });
    expect(adapted.info.lora).toMatchObject({ rank: 4, alpha: 8 });
    expect(plain.info.lora).toBeNull();
    const prompts = [
      [1, 2, 3, 4],
      [9, 8],
    ];
    const a = await adapted.generate({ prompts, maxNewTokens: 8, temperature: 0, threads: 1 });
    const b = await plain.generate({ prompts, maxNewTokens: 8, temperature: 0, threads: 1 });
    expect(b.sequences).toEqual(a.sequences);
    // the base model differs (the adapters did something)
    const baseModel = await openModel({ checkpoint: basePath });
    const c = await baseModel.generate({ prompts, maxNewTokens: 8, temperature: 0, threads: 1 });
    expect(c.sequences).not.toEqual(a.sequences);
    await expect(mergeLora({ checkpoint: merged.path, outputDir: join(dir, 'again') })).rejects.toThrow(/has no LoRA adapters to merge/);
  });
});

describe('resizeEmbeddings', () => {
  it('keeps existing rows and starts new rows at their mean', async () => {
    const { path } = await createModel({ model: TINY, outputDir: join(dir, 'small'), seed: 5 });
    const grown = await resizeEmbeddings({ checkpoint: path, vocabSize: 68, outputDir: join(dir, 'grown') });
    expect(grown).toMatchObject({ addedTokens: 3, model: { vocabSize: 68 } });
    const before = readSafetensors(join(path, 'model.safetensors')).get('transformer.wte.weight')!;
    const after = readSafetensors(join(grown.path, 'model.safetensors')).get('transformer.wte.weight')!;
    expect(after.shape).toEqual([68, TINY.nEmbd]);
    const old = before.data as Float32Array,
      now = after.data as Float32Array;
    expect(now.subarray(0, old.length)).toEqual(old);
    for (let c = 0; c < TINY.nEmbd; c++) {
      let mean = 0;
      for (let row = 0; row < 65; row++) mean += old[row * TINY.nEmbd + c]!;
      mean /= 65;
      for (let row = 65; row < 68; row++) expect(now[row * TINY.nEmbd + c]!).toBeCloseTo(mean, 6);
    }
    // the tied head follows: the resized model can produce the new ids
    const model = await openModel({ checkpoint: grown.path });
    expect(model.info.model.vocabSize).toBe(68);
    await expect(model.generate({ prompts: [[66, 67]], maxNewTokens: 2 })).resolves.toBeDefined();
    await expect(resizeEmbeddings({ checkpoint: path, vocabSize: 60, outputDir: join(dir, 'shrunk') })).rejects.toThrow(/smaller than the current 65/);
  });
});
