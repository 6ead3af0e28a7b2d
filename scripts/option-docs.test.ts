import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/src/paths.ts';
import { optionDocs } from './option-docs.ts';

describe('docs/options.md', () => {
  it('is what the option declarations produce (run `npm run docs:options` to refresh it)', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'options.md'), 'utf8'), 'docs/options.md is stale: run `npm run docs:options`').toBe(optionDocs());
  });
});
