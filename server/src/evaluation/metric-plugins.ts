// Custom evaluation metrics: modules in <dataDir>/plugins/ (the folder pipeline steps use too).
// Every named export shaped like
//   export const lengthRatio = {
//     name: 'length_ratio',
//     description: 'Mean length of predictions over references',
//     metric(predictions: string[], references: string[]): number { ... },
//   };
// is a metric an evaluation can select by name. metric may be async.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The typed signature a metric plugin exports. */
export interface MetricPlugin {
  name: string;
  description?: string;
  metric(predictions: string[], references: string[]): number | Promise<number>;
}

export interface LoadedMetricPlugin extends MetricPlugin {
  file: string;
}

const PLUGIN_FILE = /\.(ts|mts|js|mjs)$/;

function isMetric(value: unknown): value is MetricPlugin {
  return typeof value === 'object' && value !== null && typeof (value as MetricPlugin).name === 'string' && typeof (value as MetricPlugin).metric === 'function';
}

/** Loads the metric exports of every plugin module; modules that fail to load are reported. */
export async function loadMetricPlugins(dir: string): Promise<{ metrics: LoadedMetricPlugin[]; problems: Array<{ file: string; error: string }> }> {
  const metrics: LoadedMetricPlugin[] = [];
  const problems: Array<{ file: string; error: string }> = [];
  if (!existsSync(dir)) return { metrics, problems };
  for (const file of readdirSync(dir)
    .filter((f) => PLUGIN_FILE.test(f) && !f.endsWith('.d.ts'))
    .sort()) {
    const path = join(dir, file);
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    try {
      const module = (await import(`${pathToFileURL(path).href}?sha256=${hash}`)) as Record<string, unknown>;
      for (const value of Object.values(module)) if (isMetric(value)) metrics.push({ name: value.name, description: value.description ?? '', metric: value.metric.bind(value), file });
    } catch (error) {
      problems.push({ file, error: (error as Error).message });
    }
  }
  return { metrics, problems };
}
