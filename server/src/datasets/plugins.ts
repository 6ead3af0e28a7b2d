// User pipeline steps: TypeScript or JavaScript modules dropped into <dataDir>/plugins/.
// Every named export shaped like
//   export const shout = {
//     name: 'shout',
//     description: 'Upper-cases the text',
//     apply(record: { text: string }, options: Record<string, unknown>): { text: string } | { text: string }[] | null { ... },
//   };
// is a step a pipeline can use as { "type": "plugin", "name": "shout", "options": { ... } }.
// apply may be async. Returning null (or []) drops the record.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatasetError } from './datasets.errors.ts';
import type { PipelineRecord } from './pipeline-record.ts';

export interface PluginRecord {
  text: string;
}

/** The typed signature a plugin step exports. */
export interface PipelineStepPlugin {
  name: string;
  description?: string;
  apply(record: PluginRecord, options: Record<string, unknown>): PluginRecord | PluginRecord[] | null | Promise<PluginRecord | PluginRecord[] | null>;
}

export interface LoadedPlugin {
  name: string;
  description: string;
  file: string;
  exportName: string;
  sourceSha256: string;
  run(record: PipelineRecord, options: Record<string, unknown>): Promise<PipelineRecord[]>;
}

export interface PluginLoadProblem {
  file: string;
  error: string;
}

const PLUGIN_FILE = /\.(ts|mts|js|mjs)$/;

function isStep(value: unknown): value is PipelineStepPlugin {
  return typeof value === 'object' && value !== null && typeof (value as PipelineStepPlugin).name === 'string' && typeof (value as PipelineStepPlugin).apply === 'function';
}

/** Loads every plugin module of the folder; a module that fails to load is reported, not fatal. */
export async function loadPlugins(dir: string): Promise<{ plugins: LoadedPlugin[]; problems: PluginLoadProblem[] }> {
  const plugins: LoadedPlugin[] = [];
  const problems: PluginLoadProblem[] = [];
  if (!existsSync(dir)) return { plugins, problems };
  for (const file of readdirSync(dir)
    .filter((f) => PLUGIN_FILE.test(f) && !f.endsWith('.d.ts'))
    .sort()) {
    const path = join(dir, file);
    const source = readFileSync(path);
    const sourceSha256 = createHash('sha256').update(source).digest('hex');
    let module: Record<string, unknown>;
    try {
      // the hash in the URL makes an edited plugin load afresh
      module = (await import(`${pathToFileURL(path).href}?sha256=${sourceSha256}`)) as Record<string, unknown>;
    } catch (error) {
      problems.push({ file, error: (error as Error).message });
      continue;
    }
    for (const [exportName, value] of Object.entries(module)) {
      if (!isStep(value)) continue;
      if (plugins.some((p) => p.name === value.name)) {
        problems.push({ file, error: `step name "${value.name}" is already used by another plugin` });
        continue;
      }
      const step = value;
      plugins.push({
        name: step.name,
        description: step.description ?? '',
        file,
        exportName,
        sourceSha256,
        async run(record, options) {
          const fail = (message: string): never => {
            throw new DatasetError('PLUGIN_ERROR', `plugin "${step.name}" (${file}) failed on record at ${record.location}: ${message}`, record.location);
          };
          let out: PluginRecord | PluginRecord[] | null;
          try {
            out = await step.apply({ text: record.text }, options);
          } catch (error) {
            return fail(error instanceof Error ? error.message : String(error));
          }
          if (out === null || out === undefined) return [];
          const list = Array.isArray(out) ? out : [out];
          return list.map((r) => {
            if (typeof r !== 'object' || r === null || typeof r.text !== 'string') fail('apply must return { text: string }, an array of them, or null');
            return { ...record, text: r.text };
          });
        },
      });
    }
  }
  return { plugins, problems };
}
