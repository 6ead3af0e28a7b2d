// Reading a Hugging Face GPT-2 folder (config.json, model.safetensors or pytorch_model.bin,
// tokenizer.json or vocab.json + merges.txt) and writing it as an EGen checkpoint. Every check
// throws an ImportInputError whose message names the file and the field.
//
// Activation: GPT-2 checkpoints declare "gelu_new" (GELU's tanh approximation); EGen computes
// exact GELU. The import accepts gelu_new (and its alias gelu_pytorch_tanh) and records it in
// the version's metadata (`activation.declared`, with a note): the two differ by at most ~5e-4
// per activation, so the weights still work as a base for fine-tuning, but the imported model's
// logits are not bit-for-bit transformers' (measured in the tests). "gelu" imports exactly.
import { writeCheckpointFiles } from '../export/checkpoint-files.ts';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { ValidationError } from '../../errors/domain-error.ts';
import { type ModelArchitectureConfig, resolveArchitecture } from '../model-architecture.ts';
import { CONV1D_WEIGHT, type NamedTensor, readSafetensors, tensorBytes, toFloat32Bytes, transpose32 } from '../export/safetensors.ts';

/** A problem with the folder being imported; the message names the file and the field. */
export class ImportInputError extends Error {}

const fail = (message: string): never => {
  throw new ImportInputError(message);
};

/** Activations EGen imports: exact GELU as is, the tanh approximation recorded as such. */
const ACTIVATIONS = { gelu: 'exact', gelu_new: 'tanh-approximation', gelu_pytorch_tanh: 'tanh-approximation' } as const;
export type ImportedActivation = keyof typeof ACTIVATIONS;

/** The layer-norm epsilon EGen's model uses (torch.nn.LayerNorm's default, GPT-2's too). */
const LAYER_NORM_EPSILON = 1e-5;

export interface HfGpt2Config {
  architecture: ModelArchitectureConfig;
  activation: ImportedActivation;
}

/** The folder holding config.json: the root, or the single folder inside it (archives often wrap one). */
export function locateModelFolder(root: string): string {
  if (existsSync(join(root, 'config.json'))) return root;
  const entries = readdirSync(root).filter((name) => !name.startsWith('.') && name !== '__MACOSX');
  if (entries.length === 1 && statSync(join(root, entries[0]!)).isDirectory() && existsSync(join(root, entries[0]!, 'config.json'))) return join(root, entries[0]!);
  return fail('config.json: not found at the top of the folder (or inside its single sub-folder)');
}

function readJson(dir: string, file: string): Record<string, unknown> {
  const path = join(dir, file);
  if (!existsSync(path)) fail(`${file}: not found`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(`${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function positiveInt(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(`config.json: ${key} must be a positive integer (got ${JSON.stringify(value)})`);
  return value as number;
}

/** config.json of a GPT2LMHeadModel, mapped to EGen's architecture. */
export function readHfConfig(dir: string): HfGpt2Config {
  const config = readJson(dir, 'config.json');
  const modelType = config.model_type;
  const architectures = config.architectures;
  if (modelType !== undefined && modelType !== 'gpt2') fail(`config.json: model_type ${JSON.stringify(modelType)} is not "gpt2" (EGen imports GPT2LMHeadModel checkpoints)`);
  if (architectures !== undefined && !(Array.isArray(architectures) && architectures.some((a) => a === 'GPT2LMHeadModel' || a === 'GPT2Model'))) {
    fail(`config.json: architectures ${JSON.stringify(architectures)} is not GPT2LMHeadModel`);
  }
  if (modelType === undefined && architectures === undefined) fail('config.json: neither model_type nor architectures says this is a GPT-2 model');
  const nEmbd = positiveInt(config, 'n_embd');
  const nLayer = positiveInt(config, 'n_layer');
  const nHead = positiveInt(config, 'n_head');
  const nPositions = positiveInt(config, 'n_positions');
  const vocabSize = positiveInt(config, 'vocab_size');
  if (nEmbd % nHead !== 0) fail(`config.json: n_embd (${nEmbd}) must be divisible by n_head (${nHead})`);
  if (config.n_inner != null && config.n_inner !== 4 * nEmbd) fail(`config.json: n_inner ${JSON.stringify(config.n_inner)} is not 4 × n_embd (${4 * nEmbd}), the only MLP width EGen builds`);
  const activation = config.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !(activation in ACTIVATIONS)) fail(`config.json: activation_function ${JSON.stringify(activation)} is not supported (EGen imports ${Object.keys(ACTIVATIONS).join(', ')})`);
  const epsilon = config.layer_norm_epsilon ?? LAYER_NORM_EPSILON;
  if (typeof epsilon !== 'number' || Math.abs(epsilon - LAYER_NORM_EPSILON) > 1e-12) fail(`config.json: layer_norm_epsilon ${JSON.stringify(epsilon)} is not ${LAYER_NORM_EPSILON}, the epsilon EGen's layer norms use`);
  if (config.scale_attn_weights === false) fail('config.json: scale_attn_weights false is not supported (EGen scales attention by 1/√head_dim)');
  if (config.scale_attn_by_inverse_layer_idx === true) fail('config.json: scale_attn_by_inverse_layer_idx true is not supported');
  if (config.add_cross_attention === true) fail('config.json: add_cross_attention true is not supported (EGen builds decoder-only models)');
  const dropout = config.resid_pdrop ?? 0.1;
  try {
    const architecture = resolveArchitecture(null, { vocabSize, contextLength: nPositions, layers: nLayer, heads: nHead, embeddingWidth: nEmbd, dropout: dropout as number, bias: true });
    return { architecture, activation: activation as ImportedActivation };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const names: Record<string, string> = { vocabSize: 'vocab_size', contextLength: 'n_positions', layers: 'n_layer', heads: 'n_head', embeddingWidth: 'n_embd', dropout: 'resid_pdrop' };
    const problems = error.fieldErrors.map((e) => {
      const key = e.field.split('.').pop() ?? e.field;
      return `${names[key] ?? key} ${e.message}`;
    });
    return fail(`config.json: ${problems.join('; ')}`);
  }
}

export function activationNote(activation: ImportedActivation): string | null {
  return ACTIVATIONS[activation] === 'exact' ? null : `config.json declares ${activation} (GELU's tanh approximation); EGen computes exact GELU, so logits differ slightly from transformers'`;
}

// ---- tokenizer ----

export interface ImportedTokenizer {
  /** tokenizer.json text, special tokens added. */
  json: string;
  /** Which file it came from. */
  source: 'tokenizer.json' | 'vocab.json + merges.txt';
  /** Tokens (with added tokens) before the special tokens were added. */
  originalSize: number;
  /** One past the highest id, after adding. */
  size: number;
  added: Array<{ token: string; id: number }>;
  existing: Array<{ token: string; id: number }>;
}

type TokenizerJsonBuilder = (vocab: string[], merges: Array<[string, string]>) => string;

function loadTokenizer(json: string, file: string): Tokenizer {
  try {
    return Tokenizer.fromString(json);
  } catch (error) {
    return fail(`${file}: not a tokenizer the tokenizers library loads (${(error as Error).message})`);
  }
}

function highestId(tokenizer: Tokenizer): number {
  return Math.max(-1, ...Object.values(tokenizer.getVocab(true)));
}

/**
 * The folder's tokenizer as tokenizer.json text with `specialTokens` present (those missing are
 * appended as added special tokens after the highest id). vocab.json + merges.txt become a
 * byte-level BPE tokenizer.json as the datasets domain writes it (`buildFromVocab`).
 */
export function readHfTokenizer(dir: string, specialTokens: readonly string[], buildFromVocab: TokenizerJsonBuilder): ImportedTokenizer {
  let json: string;
  let source: ImportedTokenizer['source'];
  if (existsSync(join(dir, 'tokenizer.json'))) {
    json = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
    source = 'tokenizer.json';
  } else if (existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt'))) {
    const vocab = readJson(dir, 'vocab.json');
    const byId: string[] = [];
    for (const [token, id] of Object.entries(vocab)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail(`vocab.json: the id of ${JSON.stringify(token)} is not a non-negative integer`);
      if (byId[id as number] !== undefined) fail(`vocab.json: id ${id} is used twice`);
      byId[id as number] = token;
    }
    for (let i = 0; i < byId.length; i++) if (byId[i] === undefined) fail(`vocab.json: id ${i} is missing (ids must run from 0 without gaps)`);
    const merges = readFileSync(join(dir, 'merges.txt'), 'utf8')
      .split('\n')
      .map((line, i) => ({ line: line.replace(/\r$/, ''), number: i + 1 }))
      .filter(({ line, number }) => line !== '' && !(number === 1 && line.startsWith('#version')))
      .map(({ line, number }) => {
        const parts = line.split(' ');
        if (parts.length !== 2 || !parts[0] || !parts[1]) fail(`merges.txt: line ${number} is not two tokens separated by one space`);
        return [parts[0], parts[1]] as [string, string];
      });
    json = buildFromVocab(byId, merges);
    source = 'vocab.json + merges.txt';
  } else {
    return fail('tokenizer.json: not found (nor vocab.json + merges.txt)');
  }
  const file = source === 'tokenizer.json' ? 'tokenizer.json' : 'vocab.json';
  const tokenizer = loadTokenizer(json, file);
  const parsed = JSON.parse(json) as { model?: { type?: string }; added_tokens?: Array<Record<string, unknown>> };
  if (parsed.model?.type !== 'BPE') fail(`${file}: model.type ${JSON.stringify(parsed.model?.type)} is not BPE (GPT-2 tokenizers are byte-level BPE)`);
  const vocab = tokenizer.getVocab(true);
  const originalSize = highestId(tokenizer) + 1;
  const added: ImportedTokenizer['added'] = [];
  const existing: ImportedTokenizer['existing'] = [];
  let next = originalSize;
  parsed.added_tokens ??= [];
  for (const token of specialTokens) {
    if (vocab[token] !== undefined) {
      existing.push({ token, id: vocab[token]! });
      continue;
    }
    parsed.added_tokens.push({ id: next, content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    added.push({ token, id: next++ });
  }
  const result = added.length ? JSON.stringify(parsed) : json;
  if (added.length) loadTokenizer(result, file);
  return { json: result, source, originalSize, size: next, added, existing };
}

// ---- weights ----

/** Buffers of older GPT-2 checkpoints (the causal mask), not weights. */
const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/** Every GPT2LMHeadModel weight with its Hugging Face shape, without the "transformer." prefix. */
function expectedShapes(a: ModelArchitectureConfig): Map<string, number[]> {
  const C = a.embeddingWidth;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [a.vocabSize, C]],
    ['wpe.weight', [a.contextLength, C]],
    ['ln_f.weight', [C]],
    ['ln_f.bias', [C]],
  ]);
  for (let i = 0; i < a.layers; i++) {
    const block: Array<[string, number[]]> = [
      ['ln_1.weight', [C]],
      ['ln_1.bias', [C]],
      ['attn.c_attn.weight', [C, 3 * C]],
      ['attn.c_attn.bias', [3 * C]],
      ['attn.c_proj.weight', [C, C]],
      ['attn.c_proj.bias', [C]],
      ['ln_2.weight', [C]],
      ['ln_2.bias', [C]],
      ['mlp.c_fc.weight', [C, 4 * C]],
      ['mlp.c_fc.bias', [4 * C]],
      ['mlp.c_proj.weight', [4 * C, C]],
      ['mlp.c_proj.bias', [C]],
    ];
    for (const [name, shape] of block) shapes.set(`h.${i}.${name}`, shape);
  }
  return shapes;
}

const CONFIG_NAMES: Record<string, string> = { 'wte.weight': 'vocab_size, n_embd', 'wpe.weight': 'n_positions, n_embd' };

/**
 * The weights of a safetensors file as EGen checkpoint tensors (float32, EGen's names and
 * layouts), checked against the config: names with or without "transformer.", an lm_head that
 * must equal the token embeddings (EGen ties them), F32/F16/BF16/F64 widened or rounded to F32.
 */
export async function convertWeights(path: string, file: string, architecture: ModelArchitectureConfig): Promise<NamedTensor[]> {
  let st: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    st = await readSafetensors(path, file);
  } catch (error) {
    if (error instanceof ValidationError) fail(error.fieldErrors[0]!.message.replace(path, file));
    throw error;
  }
  const expected = expectedShapes(architecture);
  const found = new Map<string, Buffer>();
  let lmHead: { bytes: Buffer; shape: number[] } | null = null;
  for (const [fullName, entry] of Object.entries(st.header)) {
    const name = fullName.replace(/^transformer\./, '');
    if (IGNORED.test(name)) continue;
    const widen = () => toFloat32Bytes(entry.dtype, tensorBytes(st, fullName)) ?? fail(`${file}: ${fullName} is ${entry.dtype}; EGen imports F32, F16, BF16 or F64 weights`);
    if (name === 'lm_head.weight') {
      lmHead = { bytes: widen(), shape: entry.shape };
      continue;
    }
    const shape = expected.get(name);
    if (!shape) fail(`${file}: unexpected tensor ${fullName} (not a GPT2LMHeadModel weight for config.json's n_layer ${architecture.layers})`);
    if (shape!.join(',') !== entry.shape.join(',')) {
      const why = CONFIG_NAMES[name] ? ` (config.json ${CONFIG_NAMES[name]})` : ' (config.json n_embd)';
      fail(`${file}: ${fullName} has shape [${entry.shape.join(', ')}] but config.json needs [${shape!.join(', ')}]${why}`);
    }
    found.set(name, widen());
  }
  const missing = [...expected.keys()].filter((name) => !found.has(name));
  if (missing.length)
    fail(
      `${file}: missing ${missing.length === 1 ? 'tensor' : 'tensors'} ${missing
        .slice(0, 5)
        .map((n) => `transformer.${n}`)
        .join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  const head = lmHead as { bytes: Buffer; shape: number[] } | null;
  if (head && !head.bytes.equals(found.get('wte.weight')!)) fail(`${file}: lm_head.weight differs from transformer.wte.weight; EGen ties the output head to the token embeddings`);
  return [...expected.entries()].map(([name, shape]) => {
    const bytes = found.get(name)!;
    // Conv1D weights: Hugging Face stores (in, out), EGen (out, in)
    if (CONV1D_WEIGHT.test(`transformer.${name}`)) return { name: `transformer.${name}`, dtype: 'F32', shape: [shape[1]!, shape[0]!], bytes: transpose32(bytes, shape[0]!, shape[1]!) };
    return { name: `transformer.${name}`, dtype: 'F32', shape, bytes };
  });
}

/** Writes an EGen checkpoint (format "egen-checkpoint" v1, kind "model") into the existing empty folder `dir`. */
export async function writeModelCheckpoint(dir: string, architecture: ModelArchitectureConfig, tensors: NamedTensor[], extra: Record<string, unknown>): Promise<void> {
  const model = { bias: architecture.bias, contextLength: architecture.contextLength, dropout: architecture.dropout, nEmbd: architecture.embeddingWidth, nHead: architecture.heads, nLayer: architecture.layers, vocabSize: architecture.vocabSize };
  await writeCheckpointFiles(dir, { model, tensors, extra });
}
