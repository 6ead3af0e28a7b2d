// Pipeline steps, determinism and plugins, without a server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from './datasets.errors.ts';
import { parsePipeline, type PipelineRecord, pipelineHash, type PipelineStep, runPipeline } from './pipeline.ts';
import { loadPlugins } from './plugins.ts';

const dir = mkdtempSync(join(tmpdir(), 'egen-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(texts: string[], steps: PipelineStep[], plugins: Awaited<ReturnType<typeof loadPlugins>>['plugins'] = []): Promise<PipelineRecord[]> {
  async function* source(): AsyncGenerator<PipelineRecord> {
    for (const [i, text] of texts.entries()) yield { text, location: `line ${i + 1}` };
  }
  const out: PipelineRecord[] = [];
  for await (const r of runPipeline(source(), parsePipeline({ steps }, plugins), plugins)) out.push(r);
  return out;
}
const textsOf = (records: PipelineRecord[]): string[] => records.map((r) => r.text);

describe('pipeline steps', () => {
  it('normalizes (NFC, NFKC), lowercases, collapses white space, strips control characters', async () => {
    const decomposed = 'Cafe\u0301';
    expect(textsOf(await run([decomposed], [{ type: 'normalize', form: 'NFC' }]))).toEqual(['Café']);
    expect(textsOf(await run(['ﬁ①'], [{ type: 'normalize', form: 'NFKC' }]))).toEqual(['fi1']);
    expect(textsOf(await run(['HeLLo ÄÖ'], [{ type: 'lowercase' }]))).toEqual(['hello äö']);
    expect(textsOf(await run(['  a \t b  \n\n\n  c  '], [{ type: 'collapseWhitespace' }]))).toEqual(['a b\n\nc']);
    expect(textsOf(await run(['a\u0000b\u0007c\nd\te\u009f'], [{ type: 'stripControl' }]))).toEqual(['abc\nd\te']);
  });

  it('filters by length, deduplicates, drops and replaces by regex', async () => {
    expect(textsOf(await run(['a', 'abcd', 'abcdefgh'], [{ type: 'lengthFilter', minChars: 2, maxChars: 5 }]))).toEqual(['abcd']);
    expect(textsOf(await run(['x', 'y', 'x', 'x'], [{ type: 'dedupe' }]))).toEqual(['x', 'y']);
    expect(textsOf(await run(['keep', 'DROP me', 'fine'], [{ type: 'regexDrop', pattern: 'drop', flags: 'i' }]))).toEqual(['keep', 'fine']);
    expect(textsOf(await run(['a1b22'], [{ type: 'regexReplace', pattern: '\\d+', replacement: '#' }]))).toEqual(['a#b#']);
  });

  it('augments and splits with seeds: same seed, same output; other seed, other output', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `the quick brown fox ${i} jumps over the lazy dog`);
    const steps: PipelineStep[] = [
      { type: 'augment', seed: 1, wordDeletion: 0.2, wordSwap: 0.2, charNoise: 0.05, keepOriginal: true },
      { type: 'split', validationFraction: 0.2, seed: 3 },
    ];
    const a = await run(texts, steps);
    const b = await run(texts, steps);
    expect(a).toEqual(b);
    expect(a).toHaveLength(100);
    expect(a.filter((r, i) => i % 2 === 1 && r.text !== texts[(i - 1) / 2]).length).toBeGreaterThan(30);
    const validation = a.filter((r) => r.split === 'validation').length;
    expect(validation).toBeGreaterThan(5);
    expect(validation).toBeLessThan(40);
    const c = await run(texts, [{ ...steps[0]!, seed: 2 } as PipelineStep, steps[1]!]);
    expect(textsOf(c)).not.toEqual(textsOf(a));
  });

  it('adds the default 10% split when none is declared', async () => {
    const out = await run(
      Array.from({ length: 200 }, (_, i) => `t${i}`),
      [],
    );
    const validation = out.filter((r) => r.split === 'validation').length;
    expect(validation).toBeGreaterThan(5);
    expect(validation).toBeLessThan(40);
  });

  it('rejects unknown steps and bad options with the step number', () => {
    expect(() => parsePipeline({ steps: [{ type: 'lowercase' }, { type: 'shout' }] }, [])).toThrow(/pipeline step 2: unknown type "shout"/);
    expect(() => parsePipeline({ steps: [{ type: 'normalize', form: 'NFD' }] }, [])).toThrow(/step 1: form must be "NFC" or "NFKC"/);
    expect(() => parsePipeline({ steps: [{ type: 'regexDrop', pattern: '(' }] }, [])).toThrow(/invalid regular expression/);
    expect(() => parsePipeline({ steps: [{ type: 'split', validationFraction: 1.5, seed: 0 }] }, [])).toThrow(/validationFraction/);
    expect(() => parsePipeline([], [])).toThrow(DatasetError);
  });

  it('hashes equal pipelines equally, whatever the key order', () => {
    const a = pipelineHash({ steps: [{ type: 'split', validationFraction: 0.1, seed: 1 }] }, []);
    const b = pipelineHash(parsePipeline(JSON.parse('{"steps":[{"seed":1,"validationFraction":0.1,"type":"split"}]}'), []), []);
    expect(a).toBe(b);
  });
});

describe('plugins', () => {
  it('loads TypeScript and JavaScript steps, runs them, and names plugin and record on error', async () => {
    const pluginDir = join(dir, 'plugins');
    rmSync(pluginDir, { recursive: true, force: true });
    mkdirSync(pluginDir);
    writeFileSync(
      join(pluginDir, 'shout.ts'),
      `interface Rec { text: string }
export const shout = { name: 'shout', description: 'upper-cases', apply(record: Rec, options: Record<string, unknown>): Rec { return { text: record.text.toUpperCase() + String(options.suffix ?? '') }; } };
export const splitWords = { name: 'split-words', apply: async (record: Rec): Promise<Rec[]> => record.text.split(' ').map((text) => ({ text })) };
export const notAStep = 42;
`,
    );
    writeFileSync(join(pluginDir, 'picky.mjs'), `export const picky = { name: 'picky', apply(record) { if (record.text.includes('bad')) throw new Error('I do not like "bad"'); return record.text === 'drop' ? null : record; } };\n`);
    writeFileSync(join(pluginDir, 'broken.js'), 'export const = ;\n');
    const { plugins, problems } = await loadPlugins(pluginDir);
    expect(plugins.map((p) => [p.name, p.file]).sort()).toEqual([
      ['picky', 'picky.mjs'],
      ['shout', 'shout.ts'],
      ['split-words', 'shout.ts'],
    ]);
    expect(problems.map((p) => p.file)).toEqual(['broken.js']);

    const out = await run(
      ['hello world', 'drop', 'a b'],
      [
        { type: 'plugin', name: 'picky' },
        { type: 'plugin', name: 'split-words' },
        { type: 'plugin', name: 'shout', options: { suffix: '!' } },
      ],
      plugins,
    );
    expect(textsOf(out)).toEqual(['HELLO!', 'WORLD!', 'A!', 'B!']);

    await expect(run(['fine', 'this is bad'], [{ type: 'plugin', name: 'picky' }], plugins)).rejects.toThrow('plugin "picky" (picky.mjs) failed on record at line 2: I do not like "bad"');
    expect(() => parsePipeline({ steps: [{ type: 'plugin', name: 'nope' }] }, plugins)).toThrow(/no plugin named "nope"; installed: picky, shout, split-words/);
  });
});
