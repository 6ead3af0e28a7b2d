// The import rules of .dependency-cruiser.cjs (no cycles, domains only through each other's
// public modules, native/ and client/ knowing nothing of server/), run over the repository:
// a new violation fails here with the edges listed. `npx depcruise server native client scripts schema`
// prints the same report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/src/paths.ts';

const CHECKED = ['server', 'native', 'client', 'scripts', 'schema'];

/** Violations as "rule: from → to" lines (a cycle lists its path). */
function violations(result: ICruiseResult): string[] {
  return result.summary.violations.filter((v) => v.rule.severity !== 'ignore').map((v) => `${v.rule.name}: ${v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`}`);
}

async function cruiseWith(dirs: string[], options: ICruiseOptions, tsConfigFile?: string): Promise<ICruiseResult> {
  const reported = await cruise(dirs, { ...options, validate: true }, undefined, tsConfigFile ? { tsConfig: extractTSConfig(tsConfigFile) } : undefined);
  return reported.output as ICruiseResult;
}

let options: ICruiseOptions;

beforeAll(async () => {
  options = await extractDepcruiseOptions(join(PROJECT_ROOT, '.dependency-cruiser.cjs'));
});

describe('dependency rules', () => {
  it('hold for server/, native/, client/, scripts/ and schema/', async () => {
    const result = await cruiseWith(CHECKED, { ...options, baseDir: PROJECT_ROOT }, join(PROJECT_ROOT, 'tsconfig.json'));
    expect(result.summary.totalCruised, 'the cruise found the sources').toBeGreaterThan(250);
    expect(violations(result), 'fix the import, or see .dependency-cruiser.cjs for the rule').toEqual([]);
  });

  describe('fail on a new violation', () => {
    let fixture: string;
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    };

    beforeAll(() => {
      fixture = mkdtempSync(join(tmpdir(), 'egen-dependency-rules-'));
      write('server/src/models/model.entity.ts', 'export class Model {}\n');
      write('server/src/models/models.service.ts', "export { Model } from './model.entity.ts';\n");
      // fine: through the service
      write('server/src/training/training.service.ts', "import { Model } from '../models/models.service.ts';\nexport const m = Model;\n");
      // a domain reaching into another's entity
      write('server/src/datasets/datasets.service.ts', "import { Model } from '../models/model.entity.ts';\nexport const m = Model;\n");
      // a cycle
      write('server/src/datasets/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
      write('server/src/datasets/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
      // native/ and client/ importing the server
      write('native/index.ts', "import { m } from '../server/src/training/training.service.ts';\nexport const n = m;\n");
      write('client/src/app/App.tsx', "import { m } from '../../../server/src/training/training.service.ts';\nexport const c = m;\n");
    });

    afterAll(() => rmSync(fixture, { recursive: true, force: true }));

    it('lists each broken rule with its edge', async () => {
      const { tsConfig: _tsConfig, ...rules } = options;
      const result = await cruiseWith(['server', 'native', 'client'], { ...rules, baseDir: fixture });
      expect(violations(result).sort()).toEqual([
        'client-not-server: client/src/app/App.tsx → server/src/training/training.service.ts',
        'domain-public-modules-only: server/src/datasets/datasets.service.ts → server/src/models/model.entity.ts',
        'native-knows-nothing-of-the-world: native/index.ts → server/src/training/training.service.ts',
        'no-circular: server/src/datasets/a.ts → server/src/datasets/b.ts → server/src/datasets/a.ts',
      ]);
    });
  });
});
