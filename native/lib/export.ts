// Model artifacts in PyTorch's formats: pytorch_model.bin (a torch.save state dict under Hugging
// Face names) and model.pt (TorchScript), both written by libtorch; the reader of Python's
// torch.save state dicts (import of Hugging Face folders that ship only pytorch_model.bin); and
// the TorchScript runtime the export parity check runs (torch::jit::load).
import { load, type Plain } from './addon.ts';
import { EXPORT_OPTIONS } from '../../schema/options/export-options.ts';
import { checkDeclared, checkInteger, checkObject, checkString, checkTokenList, expected, opt } from './checks.ts';
import { crossing } from './crossing.ts';
import { checkModelConfig } from './models.ts';
import type { ArtifactTensor, CreatedModel, ExportDtype, Float32Tensor, ModelConfig, WrittenArtifact } from './types.ts';

/** Options of writePytorchStateDict and writeTorchScript. */
export interface WriteArtifactOptions {
  /** The checkpoint to export (LoRA adapters are merged into the weights). */
  checkpoint: string;
  /** The file to write (atomically: a temp file beside it, then one rename). Its folder must exist. */
  outputPath: string;
  /** Precision of the stored weights. Defaults to fp32. */
  dtype?: ExportDtype;
}

function checkWriteOptions(options: unknown): Record<string, Plain> {
  const o = checkObject('options', options);
  return {
    checkpoint: checkString('options.checkpoint', o.checkpoint),
    outputPath: checkString('options.outputPath', o.outputPath),
    dtype: opt(o, 'dtype', 'options.', EXPORT_OPTIONS.dtype.default, (n, v) => checkDeclared(n, v, EXPORT_OPTIONS.dtype) as ExportDtype),
  };
}

/**
 * Writes pytorch_model.bin: the zip archive Python's torch.save writes, holding a dict of tensors
 * under Hugging Face GPT-2 names and layouts (Conv1D weights (in, out), lm_head.weight tied to
 * transformer.wte.weight) in the requested dtype. `torch.load(path, weights_only=True)` reads it
 * and GPT2LMHeadModel.load_state_dict(strict=True) accepts it. Refuses models without biases.
 */
export function writePytorchStateDict(options: WriteArtifactOptions): Promise<WrittenArtifact> {
  const plain = checkWriteOptions(options);
  const native = load();
  return crossing(writePytorchStateDict, () => native.writePytorchStateDict(plain));
}

/** Options of readPytorchStateDict. */
export interface ReadPytorchStateDictOptions {
  /** A state dict written by Python's torch.save (zip format, PyTorch ≥ 1.6). */
  path: string;
  /** The safetensors file to write (atomically), with the same names, shapes and dtypes. */
  outputPath: string;
}

/**
 * Reads a state dict written by Python's `torch.save` (e.g. a Hugging Face pytorch_model.bin) and
 * writes its tensors as a safetensors file, unchanged. Refuses, naming the file, legacy non-zip
 * files, truncated archives and entries that are not tensors; nothing is written then.
 */
export function readPytorchStateDict(options: ReadPytorchStateDictOptions): Promise<{ path: string; tensors: ArtifactTensor[] }> {
  const o = checkObject('options', options);
  const plain = { path: checkString('options.path', o.path), outputPath: checkString('options.outputPath', o.outputPath) };
  const native = load();
  return crossing(readPytorchStateDict, () => native.readPytorchStateDict(plain));
}

/** Options of checkpointFromHuggingFace. */
export interface CheckpointFromHuggingFaceOptions {
  /** A safetensors file of weights under Hugging Face GPT-2 names and layouts (e.g. written by readPytorchStateDict). */
  weights: string;
  /** The architecture the weights are for. */
  model: ModelConfig;
  /** The checkpoint directory to write (atomically; replaced if it exists). */
  outputDir: string;
}

/**
 * Writes an EGen checkpoint from Hugging Face GPT-2 weights: Conv1D weights transposed to
 * torch.nn.Linear's (out, in), every tensor checked against the architecture (name and shape),
 * lm_head.weight (when present) checked to equal transformer.wte.weight, stored as float32.
 */
export function checkpointFromHuggingFace(options: CheckpointFromHuggingFaceOptions): Promise<CreatedModel> {
  const o = checkObject('options', options);
  const plain = {
    weights: checkString('options.weights', o.weights),
    model: checkModelConfig('options.model', o.model),
    outputDir: checkString('options.outputDir', o.outputDir),
  };
  const native = load();
  return crossing(checkpointFromHuggingFace, () => native.checkpointFromHuggingFace(plain));
}

/**
 * Writes model.pt: a TorchScript module compiled by libtorch from source over the checkpoint's
 * weights. `forward(input_ids)` takes int64 token ids (B, T) and returns float32 logits (B, T, V)
 * with the native model's math; the weights are stored in `dtype` and computed in float32.
 * Parameters are named after the Hugging Face names with dots as underscores
 * (transformer_h_0_attn_c_attn_weight), linear weights in torch.nn.Linear's (out, in) layout; the
 * module carries vocab_size, context_length, n_layer, n_head and n_embd as attributes.
 */
export function writeTorchScript(options: WriteArtifactOptions): Promise<WrittenArtifact> {
  const plain = checkWriteOptions(options);
  const native = load();
  return crossing(writeTorchScript, () => native.writeTorchScript(plain));
}

/** Options of torchScriptLogits. */
export interface TorchScriptLogitsOptions {
  /** A model.pt written by writeTorchScript. */
  path: string;
  /** Token ids, one row per sequence, all rows as long (checked against the module's vocab_size and context_length). */
  inputs: number[][];
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/** The float32 logits (B, T, V) of a TorchScript export, run by libtorch's torch::jit::load (not EGen's model code). */
export function torchScriptLogits(options: TorchScriptLogitsOptions): Promise<Float32Tensor> {
  const o = checkObject('options', options);
  if (!Array.isArray(o.inputs) || o.inputs.length === 0) expected('a non-empty array of token rows', 'options.inputs', o.inputs);
  const inputs = o.inputs.map((row, i) => checkTokenList(`options.inputs[${i}]`, row));
  inputs.forEach((row, i) => {
    if (row.length === 0) throw new RangeError(`Expected options.inputs[${i}] to hold at least one token`);
    if (row.length !== inputs[0]!.length) throw new RangeError(`Expected options.inputs[${i}] to hold ${inputs[0]!.length} tokens, as options.inputs[0], but it holds ${row.length}`);
  });
  const plain = {
    path: checkString('options.path', o.path),
    inputs,
    threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
  };
  const native = load();
  return crossing(torchScriptLogits, () => native.torchScriptLogits(plain));
}
