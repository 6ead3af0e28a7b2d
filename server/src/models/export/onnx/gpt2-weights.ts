// The weights of an EGen checkpoint in the layout the ONNX graph multiplies by: EGen stores the four
// Conv1D weights of each block as torch.nn.Linear's (out, in); MatMul(x, W) wants (in, out).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ValidationError } from '../../../errors/domain-error.ts';
import type { ExportedModel } from '../export-format.ts';
import { readFloat32Tensor, readSafetensors, transpose32 } from '../safetensors.ts';
import type { Gpt2Weights } from './gpt2-graph.ts';

function transposed(values: Float32Array, rows: number, columns: number): Float32Array {
  const bytes = transpose32(Buffer.from(values.buffer, values.byteOffset, values.byteLength), rows, columns);
  return new Float32Array(bytes.buffer, bytes.byteOffset, values.length);
}

/** Reads checkpointDir's model.safetensors, checking every tensor against `model`; errors name the file and tensor. */
export async function readGpt2Weights(checkpointDir: string, model: ExportedModel): Promise<Gpt2Weights> {
  const manifestPath = join(checkpointDir, 'checkpoint.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { adapterOnly?: boolean };
  if (manifest.adapterOnly) throw ValidationError.single('checkpoint', `${checkpointDir} holds LoRA adapters only: ONNX exports the merged model`);
  const path = join(checkpointDir, 'model.safetensors');
  const file = await readSafetensors(path);
  const { vocabSize: V, contextLength: N, nEmbd: C, nLayer: L, bias } = model;
  const read = (name: string, shape: number[]) => readFloat32Tensor(file, path, name, shape);
  const readBias = (name: string, size: number) => (bias ? read(name, [size]) : null);
  // A Linear weight stored (out, in), returned (in, out).
  const readLinear = (name: string, outFeatures: number, inFeatures: number) => transposed(read(name, [outFeatures, inFeatures]), outFeatures, inFeatures);
  const wte = read('transformer.wte.weight', [V, C]);
  const wpe = read('transformer.wpe.weight', [N, C]);
  const blocks: Gpt2Weights['blocks'] = [];
  for (let i = 0; i < L; i++) {
    // One block at a time, then let the server answer (GPT-2 124M copies ~500 MB here).
    await yieldToEventLoop();
    const p = `transformer.h.${i}.`;
    blocks.push({
      ln1Weight: read(`${p}ln_1.weight`, [C]),
      ln1Bias: readBias(`${p}ln_1.bias`, C),
      attnWeight: readLinear(`${p}attn.c_attn.weight`, 3 * C, C),
      attnBias: readBias(`${p}attn.c_attn.bias`, 3 * C),
      attnProjWeight: readLinear(`${p}attn.c_proj.weight`, C, C),
      attnProjBias: readBias(`${p}attn.c_proj.bias`, C),
      ln2Weight: read(`${p}ln_2.weight`, [C]),
      ln2Bias: readBias(`${p}ln_2.bias`, C),
      fcWeight: readLinear(`${p}mlp.c_fc.weight`, 4 * C, C),
      fcBias: readBias(`${p}mlp.c_fc.bias`, 4 * C),
      mlpProjWeight: readLinear(`${p}mlp.c_proj.weight`, C, 4 * C),
      mlpProjBias: readBias(`${p}mlp.c_proj.bias`, C),
    });
  }
  return {
    wte,
    wpe,
    blocks,
    lnfWeight: read('transformer.ln_f.weight', [C]),
    lnfBias: readBias('transformer.ln_f.bias', C),
  };
}
