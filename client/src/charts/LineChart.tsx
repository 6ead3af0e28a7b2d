// A line chart on uPlot (canvas; fast with many series and points): drag to zoom into an x range,
// double-click to reset; buttons zoom and pan too, so the keyboard can do everything. Each series is
// downsampled (LTTB) before it is drawn; series differ by dash pattern as well as color.
import { useEffect, useId, useMemo, useRef, type ReactElement } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, type Series } from './downsample.ts';

const PALETTE = ['#4d8bf5', '#f59e4d', '#5fd68a', '#e15fd6', '#f5d14d', '#4dd6f5', '#ff7a7a', '#a08bf5'];
/** Dash patterns, so series differ by more than color. */
const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

export interface LineChartProps {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  height?: number;
  maxPointsPerSeries?: number;
  /** For tests: the uPlot constructor. */
  factory?: (opts: uPlot.Options, data: uPlot.AlignedData, target: HTMLElement) => uPlot;
}

export function LineChart({ title, xLabel, yLabel, series, height = 300, maxPointsPerSeries = 2000, factory }: LineChartProps): ReactElement {
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const titleId = useId();
  const data = useMemo(() => alignSeries(series, maxPointsPerSeries) as uPlot.AlignedData, [series, maxPointsPerSeries]);
  const labels = series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const el = target.current;
    if (!el) return;
    const labelList = labels ? labels.split('\u0000') : [];
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: false } },
      axes: [
        { label: xLabel, stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { label: yLabel, stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
      ],
      cursor: { drag: { x: true, y: false } },
      series: [{ label: xLabel }, ...labelList.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] ?? DASHES[i % DASHES.length], width: 1.5, spanGaps: true }))],
    };
    const create = factory ?? ((o, d, t) => new uPlot(o, d, t));
    plot.current = create(opts, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth || 600, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new plot only when the shape of the chart changes; new data goes through setData
  }, [labels, height, xLabel, yLabel, factory]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  const zoom = (factor: number, shift = 0): void => {
    const u = plot.current;
    if (!u) return;
    const xs = u.data[0];
    const min = u.scales.x?.min ?? xs[0] ?? 0;
    const max = u.scales.x?.max ?? xs[xs.length - 1] ?? 1;
    const span = max - min;
    const center = (min + max) / 2 + shift * span;
    u.setScale('x', { min: center - (span * factor) / 2, max: center + (span * factor) / 2 });
  };
  const reset = (): void => {
    const u = plot.current;
    const xs = u?.data[0];
    if (u && xs && xs.length) u.setScale('x', { min: xs[0]!, max: xs[xs.length - 1]! });
  };

  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>{title}</figcaption>
      <div className="chart-controls" role="group" aria-label={`${title}: zoom and pan`}>
        <button type="button" className="button button-small" onClick={() => zoom(0.5)}>
          Zoom in
        </button>
        <button type="button" className="button button-small" onClick={() => zoom(2)}>
          Zoom out
        </button>
        <button type="button" className="button button-small" onClick={() => zoom(1, -0.25)}>
          Pan left
        </button>
        <button type="button" className="button button-small" onClick={() => zoom(1, 0.25)}>
          Pan right
        </button>
        <button type="button" className="button button-small" onClick={reset}>
          Reset
        </button>
      </div>
      <div ref={target} className="chart-canvas" role="img" aria-label={`${title}: ${series.length} series of ${yLabel} by ${xLabel}`} />
    </figure>
  );
}
