// The chart engine of the web client (uPlot with our downsampling, client/src/charts) under the
// load the compare view must carry: 20 runs × 100k points, then 60 pan/zoom steps. Shared by
// the end-to-end test (which checks it draws) and `npm run bench:charts` (which reports timings).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../server/src/paths.ts';

const require = createRequire(import.meta.url);

export interface ChartEngineFigures {
  /** Downsampling and the first draw of all series, ms. */
  renderMs: number;
  /** 90th percentile of one pan/zoom redraw, ms. */
  p90DrawMs: number;
  /** Frames the browser showed per second while panning and zooming. */
  fps: number;
  /** Columns handed to uPlot: x plus one per run. */
  columns: number;
}

export async function measureChartEngine(browser: Browser): Promise<ChartEngineFigures> {
  // uPlot (the bundled IIFE build) and our downsampling (types stripped) in a bare page.
  const downsample = ts.transpileModule(readFileSync(join(PROJECT_ROOT, 'client/src/charts/downsample.ts'), 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText.replace(/^export /gm, '');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.setContent('<div id="chart" style="width: 1200px"></div>');
    await page.addStyleTag({ content: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') });
    await page.addScriptTag({ content: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8') });
    await page.addScriptTag({ content: downsample });
    // Under tsx, esbuild's keepNames wraps functions in __name(), which the page lacks.
    await page.addScriptTag({ content: 'window.__name = (target) => target;' });
    const result = await page.evaluate(async () => {
      type Plot = { setScale(key: string, range: { min: number; max: number }): void };
      const w = window as unknown as {
        uPlot: new (opts: unknown, data: unknown, el: HTMLElement) => Plot;
        alignSeries: (series: Array<{ label: string; x: ArrayLike<number>; y: ArrayLike<number> }>, max: number) => unknown[];
      };
      const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));
      const series = Array.from({ length: 20 }, (_, s) => {
        const x = Float64Array.from({ length: 100_000 }, (_, i) => i * 20 + s);
        return { label: `run ${s}`, x, y: Float64Array.from(x, (v) => 3 * Math.exp(-v / 4e5) + 0.1 * Math.sin(v / 997 + s) + s * 0.05) };
      });
      const started = performance.now();
      const data = w.alignSeries(series, 2000);
      const plot = new w.uPlot({ width: 1200, height: 400, scales: { x: { time: false } }, series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: `hsl(${i * 18} 70% 50%)`, spanGaps: true }))] }, data, document.getElementById('chart')!);
      await frame();
      const renderMs = performance.now() - started;
      // Pan and zoom: each step's redraw is timed (uPlot draws in a microtask after setScale),
      // and frames are counted as the browser shows them.
      const frames = 60;
      const drawMs: number[] = [];
      const panStarted = performance.now();
      for (let i = 0; i < frames; i++) {
        const span = 2_000_000 * (1 - i / (frames * 1.5));
        const min = (i / frames) * 500_000;
        const t0 = performance.now();
        plot.setScale('x', { min, max: min + span });
        await Promise.resolve();
        drawMs.push(performance.now() - t0);
        await frame();
      }
      const fps = frames / ((performance.now() - panStarted) / 1000);
      drawMs.sort((a, b) => a - b);
      const p90DrawMs = drawMs[Math.floor(frames * 0.9)]!;
      return { renderMs, fps, p90DrawMs, columns: data.length };
    });
    return result;
  } finally {
    await page.close();
  }
}
