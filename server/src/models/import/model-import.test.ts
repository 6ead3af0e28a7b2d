// Importing Hugging Face GPT-2 checkpoints against the real other side: transformers writes tiny
// GPT2LMHeadModel folders (random weights, a tokenizer trained here — nothing is downloaded);
// they go in as uploaded tar.gz / zip archives and as a server path, and EGen's native logits
// must equal transformers' within 1e-5. Every bad input gets its message naming the file and the
// field, and leaves no rows and no files.
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel } from '../../../../native/index.ts';
import { referencePython } from '../../../../scripts/libtorch.ts';
import { startTestServer, type TestServer, type TestUser } from '../../../test/test-server.ts';
import { Job } from '../../jobs/job.entity.ts';
import { JobStatus } from '../../jobs/job.types.ts';
import { runCli } from '../../cli/main.ts';
import { packFolder } from './pack-folder.ts';

const INPUTS = [
  [5, 17, 42, 99, 3, 250, 7, 8, 9, 10, 11, 12],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 299],
];

interface Made {
  logits: number[];
  vocabSize: number;
  endOfTextId: number;
}

function makeFolders(jobs: Array<Record<string, unknown>>): Made[] {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'make_hf_gpt2.py'), JSON.stringify(jobs.map((job) => ({ ...job, inputs: INPUTS })))], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (result.status !== 0) throw new Error(`make_hf_gpt2.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Made[];
}

/** POST /api/uploads as a client does. */
async function upload(t: TestServer, token: string, filename: string, body: Buffer): Promise<{ id: string; sha256: string }> {
  const response = await fetch(`${t.httpUrl}/api/uploads?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; sha256: string };
}

async function archive(dir: string, format: 'tar.gz' | 'zip', out: string): Promise<Buffer> {
  await pipeline(packFolder(dir, format), createWriteStream(out));
  return readFileSync(out);
}

const IMPORT = 'mutation($input: ImportModelInput!) { importModel(input: $input) { id kind status } }';
const MODEL = 'query($id: ID!) { model(id: $id) { id name specialTokens architecture { vocabSize contextLength layers heads embeddingWidth dropout bias } latestVersion { id version checkpointPath source metadata } } }';

interface ImportMetadata {
  import: Record<string, unknown>;
  activation: Record<string, unknown>;
  specialTokens: { added: Array<{ token: string; id: number }> };
  embeddings: Record<string, unknown>;
}

interface ImportedModel {
  model: { id: string; name: string; specialTokens: string[]; architecture: Record<string, number | boolean> };
  version: { id: string; version: number; checkpointPath: string; source: string; metadata: ImportMetadata };
}

async function maxLogitDiff(checkpoint: string, reference: number[], vocabSize: number): Promise<number> {
  const model = await openModel({ checkpoint, device: 'cpu' });
  try {
    const logits = await model.logits({ inputs: INPUTS });
    const [B, T, V] = logits.shape as [number, number, number];
    expect([B, T]).toEqual([INPUTS.length, INPUTS[0]!.length]);
    let max = 0;
    // The reference has the original vocabulary; added special tokens come after it.
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let v = 0; v < vocabSize; v++) max = Math.max(max, Math.abs(logits.data[(b * T + t) * V + v]! - reference[(b * T + t) * vocabSize + v]!));
    return max;
  } finally {
    model.dispose();
  }
}

describe('importModel', () => {
  let t: TestServer;
  let dev: TestUser;
  let admin: TestUser;
  let work: string;
  let made: Made[];
  const folder = (name: string): string => join(work, name);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'egen-import-'));
    made = makeFolders([
      { dir: folder('gelu'), activation: 'gelu', tokenizer: 'json', dtype: 'float32', seed: 1 },
      { dir: folder('bf16-vocab'), activation: 'gelu', tokenizer: 'vocab', dtype: 'bfloat16', seed: 2 },
      { dir: folder('gelu-new'), activation: 'gelu_new', tokenizer: 'json', dtype: 'float32', seed: 3 },
      { dir: folder('bin-fp16'), activation: 'gelu', tokenizer: 'json', dtype: 'float16', weights: 'bin', seed: 4 },
    ]);
    t = await startTestServer('sqlite', { runTraining: false });
    dev = await t.createUser('DEVELOPER');
    admin = await t.createUser('ADMIN');
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Starts an import job and waits for its end: the model and version, or the job's error. */
  async function importAs(token: string, input: Record<string, unknown>): Promise<{ imported: ImportedModel | null; job: Job }> {
    const started = await t.graphqlAs<{ importModel: { id: string; kind: string; status: string } }>(token, IMPORT, { input });
    expect(started.errors).toBeUndefined();
    expect(started.data!.importModel).toMatchObject({ kind: 'model.import', status: 'QUEUED' });
    const repo = t.server.services.dataSource.getRepository(Job);
    let job: Job | null = null;
    for (let i = 0; i < 600; i++) {
      job = await repo.findOneBy({ id: started.data!.importModel.id });
      if (job && [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED].includes(job.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (job?.status !== JobStatus.COMPLETED) return { imported: null, job: job! };
    expect(job.resultType).toBe('Model');
    const model = await t.graphqlAs<{ model: ImportedModel['model'] & { latestVersion: ImportedModel['version'] } }>(token, MODEL, { id: job.resultId });
    expect(model.errors).toBeUndefined();
    const { latestVersion, ...rest } = model.data!.model;
    return { imported: { model: rest, version: latestVersion }, job };
  }

  /** Nothing of a failed import is left: no model rows, no checkpoint folders, no work folders. */
  async function expectNothingLeft(modelsBefore: number): Promise<void> {
    const count = await t.graphqlAs<{ models: { totalCount: number } }>(admin.token, '{ models { totalCount } }');
    expect(count.data!.models.totalCount).toBe(modelsBefore);
    const modelsDir = join(t.dataDir, 'models');
    const folders = existsSync(modelsDir) ? readdirSync(modelsDir) : [];
    expect(folders.filter((name) => name.startsWith('.import-'))).toEqual([]);
    expect(folders.length).toBe(modelsBefore);
  }

  it('imports an uploaded tar.gz: architecture, v1 with lineage, tokenizer and special tokens, logits equal to transformers’', async () => {
    const bytes = await archive(folder('gelu'), 'tar.gz', join(work, 'gelu.tar.gz'));
    const up = await upload(t, dev.token, 'tiny-gpt2.tar.gz', bytes);
    const { imported } = await importAs(dev.token, { uploadId: up.id, name: 'tiny gpt2', specialTokens: ['<tool>'] });
    const { model, version } = imported!;
    const vocab = made[0]!.vocabSize;
    // <|endoftext|> exists; <context>, <response> and <tool> are added after it, growing the embeddings
    expect(model.architecture).toEqual({ vocabSize: vocab + 3, contextLength: 16, layers: 2, heads: 4, embeddingWidth: 32, dropout: 0.1, bias: true });
    expect(model.specialTokens).toEqual(['<|endoftext|>', '<context>', '<response>', '<tool>']);
    expect(version.version).toBe(1);
    expect(version.source).toBe(`imported from tiny-gpt2.tar.gz, sha256 ${up.sha256}`);
    expect(version.metadata.specialTokens.added).toEqual([
      { token: '<context>', id: vocab },
      { token: '<response>', id: vocab + 1 },
      { token: '<tool>', id: vocab + 2 },
    ]);
    expect(version.metadata.embeddings).toMatchObject({ vocabSize: { from: vocab, to: vocab + 3 }, resized: true });
    expect(version.metadata.activation).toEqual({ declared: 'gelu', computed: 'gelu' });
    const tokenizer = JSON.parse(readFileSync(join(version.checkpointPath, 'tokenizer.json'), 'utf8')) as { added_tokens: Array<{ content: string; id: number; special: boolean }> };
    expect(tokenizer.added_tokens.map((a) => [a.content, a.id, a.special])).toEqual([
      ['<|endoftext|>', made[0]!.endOfTextId, true],
      ['<context>', vocab, true],
      ['<response>', vocab + 1, true],
      ['<tool>', vocab + 2, true],
    ]);
    const diff = await maxLogitDiff(version.checkpointPath, made[0]!.logits, vocab);
    console.log(`[import] tar.gz, gelu, F32: max |Δ logit| native vs transformers ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(existsSync(join(t.dataDir, 'uploads', up.id))).toBe(false);
    const lineage = await t.graphqlAs<{ modelVersion: { lineage: { imported: Record<string, unknown>; run: null } } }>(
      dev.token,
      'query($id: ID!) { modelVersion(id: $id) { lineage { run { id } imported { source from sha256 addedTokens activation note } } } }',
      { id: version.id },
    );
    expect(lineage.errors).toBeUndefined();
    expect(lineage.data!.modelVersion.lineage).toEqual({ run: null, imported: { source: version.source, from: 'tiny-gpt2.tar.gz', sha256: up.sha256, addedTokens: ['<context>', '<response>', '<tool>'], activation: 'gelu', note: null } });
    const audit = await t.graphqlAs<{ auditLog: { nodes: Array<{ action: string; actorEmail: string; targetId: string }> } }>(admin.token, '{ auditLog(first: 20) { nodes { action actorEmail targetId } } }');
    expect(audit.errors).toBeUndefined();
    expect(audit.data!.auditLog.nodes).toContainEqual({ action: 'model.imported', actorEmail: dev.email, targetId: model.id });
  });

  it('tokenizes a dataset with the imported tokenizer; fine-tuning on data tokenized otherwise is refused', async () => {
    const up = await upload(t, dev.token, 'base.tar.gz', await archive(folder('gelu'), 'tar.gz', join(work, 'base.tar.gz')));
    const { version } = (await importAs(dev.token, { uploadId: up.id, name: 'fine-tune base' })).imported!;
    const text = Array.from({ length: 60 }, (_, i) => `the quick brown fox jumps over the lazy dog ${i}`).join('\n');
    const CREATE_DATASET = 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id versions { id vocabSize } } }';
    type Created = { createDataset: { versions: Array<{ id: string; vocabSize: number }> } };
    const fitting = await t.graphqlAs<Created>(dev.token, CREATE_DATASET, { input: { uploadId: (await upload(t, dev.token, 'fit.txt', Buffer.from(text))).id, name: 'fits the import', tokenizerFromModelVersionId: version.id } });
    expect(fitting.errors).toBeUndefined();
    expect(fitting.data!.createDataset.versions[0]!.vocabSize).toBe(made[0]!.vocabSize + 2);
    const own = await t.graphqlAs<Created>(dev.token, CREATE_DATASET, { input: { uploadId: (await upload(t, dev.token, 'own.txt', Buffer.from(text))).id, name: 'own tokenizer', vocabSize: 280 } });
    expect(own.errors).toBeUndefined();
    const START = 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id status } }';
    const refused = await t.graphqlAs(dev.token, START, { input: { baseVersionId: version.id, datasetVersionId: own.data!.createDataset.versions[0]!.id, config: { steps: 2, batchSize: 2 } } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(new RegExp(`input\\.datasetVersionId: was tokenized with another tokenizer .* create the dataset with tokenizerFromModelVersionId: "${version.id}"`));
    const started = await t.graphqlAs<{ startTrainingRun: { status: string } }>(dev.token, START, { input: { baseVersionId: version.id, datasetVersionId: fitting.data!.createDataset.versions[0]!.id, config: { steps: 2, batchSize: 2 } } });
    expect(started.errors).toBeUndefined();
    expect(started.data!.startTrainingRun.status).toBe('QUEUED');
  });

  it('egen models import DIR packs the folder as tar.gz on the fly, uploads it and follows the import job to the model', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['models', 'import', folder('gelu'), '--name', 'from the cli', '--special-tokens', '<a>,<b>', '--url', t.httpUrl], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { XDG_CONFIG_HOME: join(work, 'cli-config'), EGEN_API_KEY: dev.token },
    });
    expect({ code, err: err.filter((l) => l.startsWith('egen')) }).toEqual({ code: 0, err: [] });
    expect(err.some((l) => /^uploaded [\d.]+ MiB \(sha256 [0-9a-f]{64}\)$/.test(l))).toBe(true);
    expect(out[0]).toMatch(/^Imported model from the cli \(\S+\), version 1 \(\S+\)$/);
    expect(out[1]).toBe(`  2 layers, 4 heads, width 32, context 16, vocabulary ${made[0]!.vocabSize + 4}`);
    expect(out[2]).toMatch(/^ {2}imported from gelu\.tar\.gz, sha256 [0-9a-f]{64}$/);
    // a bad folder: the job's error, naming the file and field, and exit code 1
    const bad = join(work, 'cli-bad');
    cpSync(folder('gelu'), bad, { recursive: true });
    unlinkSync(join(bad, 'model.safetensors'));
    const failed: string[] = [];
    const failedCode = await runCli(['models', 'import', bad, '--url', t.httpUrl], { out: () => undefined, err: (l) => failed.push(l), env: { XDG_CONFIG_HOME: join(work, 'cli-config'), EGEN_API_KEY: dev.token } });
    expect(failedCode).toBe(1);
    expect(failed.at(-1)).toBe('egen models import: input.uploadId: model.safetensors: not found (nor pytorch_model.bin)');
  });

  it('imports pytorch_model.bin (torch.save, F16) through the native reader', async () => {
    expect(existsSync(join(folder('bin-fp16'), 'model.safetensors'))).toBe(false);
    const { version } = (await importAs(admin.token, { serverPath: folder('bin-fp16'), name: 'from a bin' })).imported!;
    expect(version.metadata.import).toMatchObject({ weightsFile: 'pytorch_model.bin' });
    const diff = await maxLogitDiff(version.checkpointPath, made[3]!.logits, made[3]!.vocabSize);
    console.log(`[import] pytorch_model.bin, gelu, F16: max |Δ logit| native vs transformers ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  it('imports a zip of BF16 weights with vocab.json + merges.txt (widened exactly to F32)', async () => {
    const bytes = await archive(folder('bf16-vocab'), 'zip', join(work, 'bf16.zip'));
    const up = await upload(t, dev.token, 'bf16.zip', bytes);
    const { version } = (await importAs(dev.token, { uploadId: up.id, name: 'bf16 vocab' })).imported!;
    expect(version.metadata.import).toMatchObject({ archive: 'zip', tokenizerFiles: 'vocab.json + merges.txt', weightsFile: 'model.safetensors' });
    const diff = await maxLogitDiff(version.checkpointPath, made[1]!.logits, made[1]!.vocabSize);
    console.log(`[import] zip, gelu, BF16: max |Δ logit| native vs transformers ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  it('imports a server folder for an ADMIN and refuses serverPath to a DEVELOPER', async () => {
    const refused = await t.graphqlAs(dev.token, IMPORT, { input: { serverPath: folder('gelu'), name: 'by path' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { version } = (await importAs(admin.token, { serverPath: folder('gelu-new'), name: 'gelu new' })).imported!;
    expect(version.source).toMatch(/^imported from gelu-new, sha256 [0-9a-f]{64}$/);
    // gelu_new is recorded: EGen computes exact GELU, so the logits differ by the approximation.
    expect(version.metadata.activation).toMatchObject({ declared: 'gelu_new', computed: 'gelu' });
    const diff = await maxLogitDiff(version.checkpointPath, made[2]!.logits, made[2]!.vocabSize);
    console.log(`[import] server path, gelu_new: max |Δ logit| native (exact GELU) vs transformers (tanh GELU) ${diff.toExponential(2)}`);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-2);
    const viewer = await t.createUser('VIEWER');
    const forbidden = await t.graphqlAs(viewer.token, IMPORT, { input: { serverPath: folder('gelu'), name: 'viewer' } });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  const BAD_CASES: Array<{ name: string; change: (dir: string) => void; field: string; message: RegExp }> = [
    {
      name: 'an unknown architecture',
      change: (dir) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), model_type: 'llama', architectures: ['LlamaForCausalLM'] })),
      field: 'input.serverPath',
      message: /config\.json: model_type "llama" is not "gpt2"/,
    },
    { name: 'missing weights', change: (dir) => unlinkSync(join(dir, 'model.safetensors')), field: 'input.serverPath', message: /model\.safetensors: not found \(nor pytorch_model\.bin\)/ },
    {
      name: 'a shape mismatch between config and tensors',
      change: (dir) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), n_positions: 32 })),
      field: 'input.serverPath',
      message: /model\.safetensors: transformer\.wpe\.weight has shape \[16, 32\] but config\.json needs \[32, 32\] \(config\.json n_positions, n_embd\)/,
    },
    { name: 'a truncated safetensors file', change: (dir) => truncateSync(join(dir, 'model.safetensors'), 60_000), field: 'input.serverPath', message: /model\.safetensors is truncated: transformer\.\S+ ends at byte \d+/ },
    {
      name: 'a tokenizer larger than vocab_size',
      change: (dir) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), vocab_size: 200 })),
      field: 'input.serverPath',
      message: /tokenizer\.json: the tokenizer has 300 tokens but config\.json vocab_size is 200/,
    },
    { name: 'a missing tokenizer', change: (dir) => unlinkSync(join(dir, 'tokenizer.json')), field: 'input.serverPath', message: /tokenizer\.json: not found \(nor vocab\.json \+ merges\.txt\)/ },
    {
      name: 'an unsupported activation',
      change: (dir) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), activation_function: 'relu' })),
      field: 'input.serverPath',
      message: /config\.json: activation_function "relu" is not supported/,
    },
  ];

  for (const bad of BAD_CASES) {
    it(`refuses ${bad.name} naming the file and field, leaving nothing behind`, async () => {
      const before = (await t.graphqlAs<{ models: { totalCount: number } }>(admin.token, '{ models { totalCount } }')).data!.models.totalCount;
      const dir = join(work, `bad-${BAD_CASES.indexOf(bad)}`);
      cpSync(folder('gelu'), dir, { recursive: true });
      bad.change(dir);
      const { job } = await importAs(admin.token, { serverPath: dir, name: `bad ${bad.name}` });
      expect(job.status).toBe(JobStatus.FAILED);
      expect(job.errorCode).toBe('BAD_USER_INPUT');
      expect(job.errorMessage!.startsWith(`${bad.field}: `)).toBe(true);
      expect(job.errorMessage).toMatch(bad.message);
      await expectNothingLeft(before);
    });
  }

  it('refuses archives with path traversal or links and keeps nothing (the upload stays for another try)', async () => {
    const before = (await t.graphqlAs<{ models: { totalCount: number } }>(admin.token, '{ models { totalCount } }')).data!.models.totalCount;
    for (const [entry, message] of [
      [{ name: '../evil.txt', type: 'file' as const }, /evil\.tar\.gz: archive entry "\.\.\/evil\.txt" points outside the archive's folder/],
      [{ name: 'config.json', type: 'symlink' as const, linkname: '/etc/passwd' }, /evil\.tar\.gz: archive entry "config\.json" is a symlink/],
    ] as const) {
      const pack = tarPack();
      if (entry.type === 'file') pack.entry(entry, 'x');
      else pack.entry(entry);
      pack.finalize();
      const out = join(work, 'evil.tar.gz');
      await pipeline(pack, createGzip(), createWriteStream(out));
      const up = await upload(t, dev.token, 'evil.tar.gz', readFileSync(out));
      const { job } = await importAs(dev.token, { uploadId: up.id, name: 'evil' });
      expect(job.errorMessage!.startsWith('input.uploadId: ')).toBe(true);
      expect(job.errorMessage).toMatch(message);
      expect(existsSync(join(t.dataDir, 'uploads', up.id))).toBe(true);
      await expectNothingLeft(before);
    }
  });
});
