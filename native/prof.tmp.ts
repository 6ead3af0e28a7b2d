import { createModel, train, writeTokenShard } from './index.ts';
const cfg = process.argv[2] === 'gpt2' ? { vocabSize: 50257, contextLength: 64, nLayer: 12, nHead: 12, nEmbd: 768 } : { vocabSize: 65, contextLength: 64, nLayer: 4, nHead: 4, nEmbd: 128 };
const B = process.argv[2] === 'gpt2' ? 4 : 12;
await createModel({ model: cfg, outputDir: `/tmp/prof-${process.argv[2]}/init`, seed: 1 });
const t = new Uint16Array(300000).map((_, i) => ((i * 2654435761) >>> 7) % cfg.vocabSize);
writeTokenShard(`/tmp/prof-${process.argv[2]}/tok`, t, cfg.vocabSize);
const r = await train({ initFrom: `/tmp/prof-${process.argv[2]}/init`, trainShards: [`/tmp/prof-${process.argv[2]}/tok`], batchSize: B, maxSteps: Number(process.argv[3] ?? 5), threads: 2 }).done;
console.log(r.status);
