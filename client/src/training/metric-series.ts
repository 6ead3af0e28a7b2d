// Metric series of a run by name, appended in step order.
import type { MetricPoint } from './documents/run-fields.ts';

export interface MetricSeries {
  steps: number[];
  values: number[];
}

export type MetricMap = Record<string, MetricSeries>;

export function appendPoints(map: MetricMap, points: MetricPoint[]): MetricMap {
  if (!points.length) return map;
  const next: MetricMap = { ...map };
  const copied = new Set<string>();
  for (const p of points) {
    if (p.value === null) continue;
    let series = next[p.name];
    const last = series?.steps[series.steps.length - 1];
    if (last !== undefined && p.step <= last) continue;
    if (!series || !copied.has(p.name)) {
      series = { steps: [...(series?.steps ?? [])], values: [...(series?.values ?? [])] };
      next[p.name] = series;
      copied.add(p.name);
    }
    series.steps.push(p.step);
    series.values.push(p.value);
  }
  return next;
}
