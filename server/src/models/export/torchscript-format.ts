// The TorchScript export: model.pt, a module libtorch compiles from TorchScript source over the
// checkpoint's weights. forward(input_ids: int64 (B, T)) -> float32 logits (B, T, V); it loads
// with torch.jit.load in Python and in libtorch. The dtype option sets how the weights are
// stored; the forward pass casts them to float32, so fp16/bf16 exports are smaller files with
// float32 arithmetic (the CPU has no fast half-precision matmul, and the logits stay float32).
// Parity: libtorch's torch::jit::load runs the file, not EGen's model code.
import { join } from 'node:path';
import { torchScriptLogits, writeTorchScript } from '../../../../native/index.ts';
import { refuseClassifier, ExportFormat, type FormatWriteContext, type FormatWriter } from './export-format.ts';

export const TORCHSCRIPT_FILE = 'model.pt';

export const torchscriptFormat: FormatWriter = {
  format: ExportFormat.TORCHSCRIPT,
  description: 'model.pt: a TorchScript module (torch.jit.load) taking int64 token ids (B, T) and returning float32 logits (B, T, V)',
  options: ['dtype'],
  // Every EGen language model compiles (with or without biases; any dtype is stored and computed in float32).
  refuse: (model) => refuseClassifier(model, 'TorchScript'),

  async write(ctx: FormatWriteContext): Promise<string[]> {
    ctx.progress(0, `writing ${TORCHSCRIPT_FILE}`);
    await writeTorchScript({ checkpoint: ctx.checkpointDir, outputPath: join(ctx.outputDir, TORCHSCRIPT_FILE), dtype: ctx.options.dtype });
    ctx.progress(1, `wrote ${TORCHSCRIPT_FILE}`);
    return [TORCHSCRIPT_FILE];
  },

  async parityLogits(ctx: FormatWriteContext, prompts: number[][]): Promise<Float32Array> {
    return (await torchScriptLogits({ path: join(ctx.outputDir, TORCHSCRIPT_FILE), inputs: prompts })).data;
  },

  parityRuntime: 'libtorch torch::jit::load',
};
