// The Hugging Face format writer: a GPT-2 folder that transformers loads offline
// (AutoModelForCausalLM + AutoTokenizer), or, for a LoRA version exported with lora 'adapter', a
// PEFT adapter folder for the base version's export. Its parity check re-reads the written
// safetensors into a fresh native model: the Conv1D weights transposed back, the F16/BF16 weights
// widened by libtorch as it loads them, then NativeModel.logits.
import { nativeParityLogits } from './native-parity.ts';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openModel, version } from '../../../../native/index.ts';
import { ExportFormat, type ExportedModel, type FormatWriteContext, type FormatWriter } from './export-format.ts';
import { exportHuggingFace, exportPeftAdapter, PEFT_PREFIX } from './huggingface-export.ts';
import { writeCheckpointFiles } from './checkpoint-files.ts';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CONV1D_WEIGHT, DTYPE_BYTES, type NamedTensor, readSafetensors, type SafetensorsDtype, tensorsOf, transpose } from './safetensors.ts';

function abortIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new Error('the export was cancelled');
}

/** GPT2Config's fields read back into the native model config (the config the artifact declares, not the source's). */
function modelOfConfig(config: Record<string, unknown>): ExportedModel {
  const int = (key: string): number => {
    const value = config[key];
    if (!Number.isInteger(value)) throw new Error(`config.json: ${key} is ${JSON.stringify(value)}, not an integer`);
    return value as number;
  };
  const model: ExportedModel = { vocabSize: int('vocab_size'), contextLength: int('n_positions'), nLayer: int('n_layer'), nHead: int('n_head'), nEmbd: int('n_embd'), dropout: 0, bias: true };
  const classifier = Array.isArray(config.architectures) && config.architectures.includes('GPT2ForSequenceClassification');
  return classifier ? { ...model, task: 'classification', numLabels: int('num_labels') } : model;
}

/** The written folder as a native checkpoint in `dir`: full weights, or the adapter over its base checkpoint. */
async function parityCheckpointOf(ctx: FormatWriteContext, dir: string): Promise<void> {
  const out = ctx.outputDir;
  if (ctx.adapterCheckpointDir) {
    const adapter = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as { r: number; lora_alpha: number; lora_dropout: number; target_modules: string[] };
    const tensors = tensorsOf(await readSafetensors(join(out, 'adapter_model.safetensors'))).map((t) => {
      if (!t.name.startsWith(PEFT_PREFIX)) throw new Error(`adapter_model.safetensors: ${t.name} lacks PEFT's prefix ${PEFT_PREFIX}`);
      return { ...t, name: t.name.slice(PEFT_PREFIX.length) };
    });
    const lora = { rank: adapter.r, alpha: adapter.lora_alpha, dropout: adapter.lora_dropout, targets: adapter.target_modules };
    await writeCheckpointFiles(dir, { model: ctx.model, adapter: { lora, baseCheckpoint: ctx.checkpointDir }, tensors });
    return;
  }
  const model = modelOfConfig(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>);
  const tensors: NamedTensor[] = [];
  for (const t of tensorsOf(await readSafetensors(join(out, 'model.safetensors')))) {
    await yieldToEventLoop(); // one tensor at a time between the server's other work
    if (!CONV1D_WEIGHT.test(t.name)) {
      tensors.push(t);
      continue;
    }
    const [rows, columns] = t.shape as [number, number];
    tensors.push({ ...t, shape: [columns, rows], bytes: transpose(t.bytes, rows, columns, DTYPE_BYTES[t.dtype as SafetensorsDtype]) });
  }
  await writeCheckpointFiles(dir, { model, tensors });
}

export const huggingFaceWriter: FormatWriter = {
  format: ExportFormat.HUGGING_FACE,
  description: 'Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer) for transformers; LoRA versions merged or as a PEFT adapter',
  options: ['dtype', 'lora'],
  refuse(model) {
    if (!model.bias) return 'GPT2LMHeadModel has biases in every linear and LayerNorm; this model was created without them (bias: false)';
    return null;
  },
  async write(ctx) {
    abortIfCancelled(ctx.signal);
    const { dtype } = ctx.options;
    const tokenizer = ctx.tokenizerJson === null ? {} : { tokenizerJson: ctx.tokenizerJson, specialTokens: ctx.specialTokens };
    const labels = ctx.labels ? { labels: ctx.labels } : {};
    if (ctx.adapterCheckpointDir) {
      ctx.progress(0.1, 'writing adapter_model.safetensors');
      return (await exportPeftAdapter(ctx.adapterCheckpointDir, ctx.outputDir, { dtype, ...tokenizer })).files;
    }
    ctx.progress(0.1, 'writing model.safetensors');
    return (await exportHuggingFace(ctx.checkpointDir, ctx.outputDir, { dtype, ...tokenizer, ...labels })).files;
  },
  async parityLogits(ctx, prompts) {
    abortIfCancelled(ctx.signal);
    const dir = `${ctx.outputDir}.parity-${randomUUID()}`;
    mkdirSync(dir, { recursive: true });
    try {
      ctx.progress(0.6, 're-reading the exported weights');
      await parityCheckpointOf(ctx, dir);
      abortIfCancelled(ctx.signal);
      const model = await openModel({ checkpoint: dir, device: 'cpu' });
      try {
        ctx.progress(0.8, 'computing the artifact’s logits');
        return await nativeParityLogits(model, prompts);
      } finally {
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  get parityRuntime() {
    return `a fresh EGen native model re-reading the exported safetensors (libtorch ${version().libtorch})`;
  },
};
