// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type uPlot from 'uplot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alignSeries, lttb } from './downsample.ts';

// jsdom has no canvas: the wrapper is tested against a recording stand-in for uPlot (which reads
// matchMedia when it loads).
globalThis.ResizeObserver ??= class {
  observe(): void {}
  disconnect(): void {}
  unobserve(): void {}
} as unknown as typeof ResizeObserver;
globalThis.matchMedia ??= (() => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} })) as unknown as typeof matchMedia;

const { LineChart } = await import('./LineChart.tsx');

function fakePlot() {
  const made: Array<{ opts: uPlot.Options; data: uPlot.AlignedData; setData: ReturnType<typeof vi.fn>; setScale: ReturnType<typeof vi.fn>; destroy: ReturnType<typeof vi.fn> }> = [];
  const factory = vi.fn((opts: uPlot.Options, data: uPlot.AlignedData) => {
    const plot = { opts, data, scales: { x: { min: 0, max: 100 } }, setData: vi.fn((d: uPlot.AlignedData) => (plot.data = d)), setScale: vi.fn(), setSize: vi.fn(), destroy: vi.fn() };
    made.push(plot);
    return plot as unknown as uPlot;
  });
  return { factory, made };
}

describe('downsampling', () => {
  it('LTTB keeps the ends, the threshold and the peaks', () => {
    const xs = Array.from({ length: 100_000 }, (_, i) => i);
    const ys = xs.map((x) => (x === 54_321 ? 1000 : Math.sin(x / 1000)));
    const [dx, dy] = lttb(xs, ys, 500);
    expect(dx).toHaveLength(500);
    expect(dx[0]).toBe(0);
    expect(dx[499]).toBe(99_999);
    expect(dy).toContain(1000);
  });

  it('aligns 20 series × 100k points to one x axis quickly', () => {
    const series = Array.from({ length: 20 }, (_, s) => {
      const x = Float64Array.from({ length: 100_000 }, (_, i) => i + s);
      return { label: `run ${s}`, x, y: Float64Array.from(x, (v) => Math.log1p(v) + s) };
    });
    const started = performance.now();
    const [xs, ...ys] = alignSeries(series, 1000);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(ys).toHaveLength(20);
    expect(ys.every((y) => y.length === xs.length)).toBe(true);
    expect(ys[0]!.filter((v) => v !== null)).toHaveLength(1000);
  });
});

describe('LineChart', () => {
  afterEach(cleanup);
  const series = [
    { label: 'train loss', x: [1, 2, 3, 4], y: [4, 3, 2.5, 2] },
    { label: 'validation loss', x: [2, 4], y: [3.2, 2.4] },
  ];

  it('draws every series with a label, color and dash, and a text alternative', () => {
    const { factory, made } = fakePlot();
    render(<LineChart title="Loss" xLabel="step" yLabel="loss" series={series} factory={factory} />);
    expect(made).toHaveLength(1);
    const { opts, data } = made[0]!;
    expect(opts.series.map((s) => s.label)).toEqual(['step', 'train loss', 'validation loss']);
    expect(data[0]).toEqual([1, 2, 3, 4]);
    expect(data[2]).toEqual([null, 3.2, null, 2.4]);
    expect(screen.getByRole('img', { name: /Loss: 2 series of loss by step/ })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Loss' })).toBeTruthy();
  });

  it('feeds new points without rebuilding, and destroys the plot on unmount', () => {
    const { factory, made } = fakePlot();
    const view = render(<LineChart title="Loss" xLabel="step" yLabel="loss" series={series} factory={factory} />);
    view.rerender(<LineChart title="Loss" xLabel="step" yLabel="loss" series={[{ ...series[0]!, x: [1, 2, 3, 4, 5], y: [4, 3, 2.5, 2, 1.9] }, series[1]!]} factory={factory} />);
    expect(made).toHaveLength(1);
    expect(made[0]!.setData).toHaveBeenCalled();
    expect(made[0]!.data[0]).toEqual([1, 2, 3, 4, 5]);
    view.unmount();
    expect(made[0]!.destroy).toHaveBeenCalled();
  });

  it('zooms and pans from the keyboard-reachable buttons', () => {
    const { factory, made } = fakePlot();
    render(<LineChart title="Loss" xLabel="step" yLabel="loss" series={series} factory={factory} />);
    fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(made[0]!.setScale).toHaveBeenLastCalledWith('x', { min: 25, max: 75 });
    fireEvent.click(screen.getByRole('button', { name: 'Pan right' }));
    expect(made[0]!.setScale).toHaveBeenLastCalledWith('x', { min: 25, max: 125 });
  });
});
