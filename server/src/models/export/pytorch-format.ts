// The PyTorch export: pytorch_model.bin (a torch.save state dict under Hugging Face GPT-2 names,
// written by libtorch) beside config.json, generation_config.json and the tokenizer, so that
// `GPT2LMHeadModel(config).load_state_dict(torch.load(path, weights_only=True))` holds the model.
// Parity: the written file is read back by libtorch's unpickler (not by the writer's code path),
// turned into a fresh checkpoint and run by the native model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointFromHuggingFace, openModel, readPytorchStateDict, writePytorchStateDict } from '../../../../native/index.ts';
import { refuseClassifier, ExportFormat, type ExportedModel, type FormatWriteContext, type FormatWriter } from './export-format.ts';
import { writeHuggingFaceConfigFiles } from './huggingface-export.ts';

export const PYTORCH_WEIGHTS_FILE = 'pytorch_model.bin';

/** Why GPT2LMHeadModel cannot hold the model, or null. */
function refuseModel(model: ExportedModel): string | null {
  return refuseClassifier(model, 'PyTorch') ?? (model.bias ? null : 'GPT2LMHeadModel cannot hold a model without biases; export it as TorchScript or ONNX');
}

export const pytorchFormat: FormatWriter = {
  format: ExportFormat.PYTORCH,
  description: 'pytorch_model.bin: a torch.save state dict under Hugging Face GPT-2 names, with config.json and the tokenizer (GPT2LMHeadModel.load_state_dict)',
  options: ['dtype'],
  refuse: (model) => refuseModel(model),

  async write(ctx: FormatWriteContext): Promise<string[]> {
    const refused = refuseModel(ctx.model);
    if (refused) throw new Error(refused);
    ctx.progress(0, `writing ${PYTORCH_WEIGHTS_FILE}`);
    await writePytorchStateDict({ checkpoint: ctx.checkpointDir, outputPath: join(ctx.outputDir, PYTORCH_WEIGHTS_FILE), dtype: ctx.options.dtype });
    ctx.signal.throwIfAborted();
    ctx.progress(0.9, 'writing config.json and the tokenizer');
    const files = writeHuggingFaceConfigFiles(ctx.outputDir, ctx.model, { dtype: ctx.options.dtype, ...(ctx.tokenizerJson === null ? {} : { tokenizerJson: ctx.tokenizerJson }) });
    ctx.progress(1, `wrote ${PYTORCH_WEIGHTS_FILE}`);
    return [PYTORCH_WEIGHTS_FILE, ...files];
  },

  async parityLogits(ctx: FormatWriteContext, prompts: number[][]): Promise<Float32Array> {
    const temp = mkdtempSync(join(tmpdir(), 'egen-parity-pytorch-'));
    try {
      const weights = join(temp, 'weights.safetensors');
      await readPytorchStateDict({ path: join(ctx.outputDir, PYTORCH_WEIGHTS_FILE), outputPath: weights });
      ctx.signal.throwIfAborted();
      const { path } = await checkpointFromHuggingFace({ weights, model: ctx.model, outputDir: join(temp, 'checkpoint') });
      const model = await openModel({ checkpoint: path, device: 'cpu' });
      try {
        return (await model.logits({ inputs: prompts })).data;
      } finally {
        model.dispose();
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  },

  parityRuntime: 'pytorch_model.bin re-read by libtorch’s unpickler into a fresh native model',
};
