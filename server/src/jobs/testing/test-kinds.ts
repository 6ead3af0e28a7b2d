// Job kinds for tests only: work the test steers from outside (gates), with the side effects a
// real kind has (files in workDir, a file outside it that recover() removes).
import { existsSync } from 'node:fs';
import { appendFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../errors/domain-error.ts';
import type { JobKind, JobResult } from '../job.types.ts';

export interface GatedInput {
  /** Names the gate the run waits at. */
  key: string;
  /** Progress reported before waiting. */
  progress?: number;
  /** What the run does when its gate opens. */
  then?: 'complete' | 'fail-validation' | 'fail-plain' | 'return-null';
  /** A file written outside workDir while running; recover() removes it. */
  outsideFile?: string;
}

interface Gate {
  open: (() => void) | null;
  opened: boolean;
  waiters: Array<() => void>;
}

/** A kind whose runs wait until the test opens their gate (or their signal aborts). */
export function gatedKind(name = 'test.gated'): JobKind<GatedInput> & {
  open(key: string): void;
  startedKeys: string[];
  workDirs: Map<string, string>;
  recovered: Array<{ jobId: string; input: GatedInput }>;
  maxConcurrent: number;
  runsByJob: Map<string, number>;
  retryAfterInterruption?: boolean;
} {
  const gates = new Map<string, Gate>();
  const gate = (key: string): Gate => {
    let g = gates.get(key);
    if (!g) gates.set(key, (g = { open: null, opened: false, waiters: [] }));
    return g;
  };
  let running = 0;
  const kind = {
    kind: name,
    startedKeys: [] as string[],
    workDirs: new Map<string, string>(),
    recovered: [] as Array<{ jobId: string; input: GatedInput }>,
    maxConcurrent: 0,
    runsByJob: new Map<string, number>(),
    describe: (input: GatedInput) => `Gated test job ${input.key}`,
    open(key: string) {
      const g = gate(key);
      g.opened = true;
      for (const w of g.waiters.splice(0)) w();
    },
    async run(ctx: Parameters<JobKind<GatedInput>['run']>[0]): Promise<JobResult | null> {
      kind.runsByJob.set(ctx.jobId, (kind.runsByJob.get(ctx.jobId) ?? 0) + 1);
      kind.startedKeys.push(ctx.input.key);
      kind.workDirs.set(ctx.jobId, ctx.workDir);
      running++;
      kind.maxConcurrent = Math.max(kind.maxConcurrent, running);
      try {
        await writeFile(join(ctx.workDir, 'partial.bin'), 'half of something');
        if (ctx.input.outsideFile) await writeFile(ctx.input.outsideFile, 'partial output');
        if (ctx.input.progress !== undefined) ctx.progress(ctx.input.progress, `At ${Math.round(ctx.input.progress * 100)}%`);
        const g = gate(ctx.input.key);
        if (!g.opened) {
          await new Promise<void>((resolve) => {
            g.waiters.push(resolve);
            if (ctx.signal.aborted) resolve();
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
        if (ctx.signal.aborted) {
          if (ctx.input.outsideFile) await rm(ctx.input.outsideFile, { force: true });
          return null;
        }
        switch (ctx.input.then ?? 'complete') {
          case 'fail-validation':
            throw ValidationError.single('input.key', `gate ${ctx.input.key} refused`);
          case 'fail-plain':
            throw new Error(`gate ${ctx.input.key} broke`);
          case 'return-null':
            return null;
          case 'complete':
            return { type: 'TestResult', id: `result-${ctx.input.key}` };
        }
      } finally {
        running--;
      }
    },
    async recover(input: GatedInput, jobId: string) {
      kind.recovered.push({ jobId, input });
      if (input.outsideFile && existsSync(input.outsideFile)) await rm(input.outsideFile);
    },
  };
  return kind;
}

export interface FileStepsInput {
  steps: number;
  stepMs: number;
  /** The finished output; while running, `<outputFile>.partial` (outside workDir) grows a line per step. */
  outputFile: string;
}

/**
 * A kind that behaves like an export: it writes a partial file outside workDir step by step and
 * renames it into place at the end; on cancel it removes the partial file itself, and after a
 * crash recover() does.
 */
export function fileStepsKind(): JobKind<FileStepsInput> {
  return {
    kind: 'test.file-steps',
    describe: (input) => `Write ${input.outputFile} in ${input.steps} steps`,
    async run(ctx) {
      const partial = `${ctx.input.outputFile}.partial`;
      for (let step = 1; step <= ctx.input.steps; step++) {
        if (ctx.signal.aborted) {
          await rm(partial, { force: true });
          return null;
        }
        await writeFile(join(ctx.workDir, `step-${step}`), String(step));
        await appendFile(partial, `step ${step}\n`);
        ctx.progress(step / ctx.input.steps, `Step ${step}/${ctx.input.steps}`);
        await new Promise((resolve) => setTimeout(resolve, ctx.input.stepMs));
      }
      await rename(partial, ctx.input.outputFile);
      return { type: 'TestFile', id: ctx.jobId };
    },
    async recover(input) {
      await rm(`${input.outputFile}.partial`, { force: true });
    },
  };
}
