// npm run bench:charts — the compare view's chart engine in headless Chromium: 20 runs × 100k
// points drawn, then pan/zoom. Targets: drawn in under 1 s; redraws fast enough for 30 frames/s.
import { launchBrowser } from '../server/test/browser.ts';
import { measureChartEngine } from './bench/chart-engine.ts';

const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const browser = await launchBrowser();
try {
  const results = [];
  for (let round = 0; round < ROUNDS; round++) results.push(await measureChartEngine(browser));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const renderMs = median(results.map((r) => r.renderMs));
  const p90DrawMs = median(results.map((r) => r.p90DrawMs));
  const fps = median(results.map((r) => r.fps));
  console.log(`chart engine, 20 runs × 100k points, median of ${ROUNDS} rounds:`);
  console.log(`  first draw       ${renderMs.toFixed(0)} ms   (target < 1000 ms: ${(1000 / renderMs).toFixed(2)}× headroom)`);
  console.log(`  pan/zoom redraw  p90 ${p90DrawMs.toFixed(1)} ms   (30 frames/s needs < 33.3 ms: ${(1000 / 30 / p90DrawMs).toFixed(2)}× headroom)`);
  console.log(`  frames shown     ${fps.toFixed(0)} per second while panning (target ≥ 30)`);
} finally {
  await browser.close();
}
