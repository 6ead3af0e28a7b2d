// Writes docs/options.md from the option declarations (`npm run docs:options`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../server/src/paths.ts';
import { optionDocs } from './option-docs.ts';

const file = join(PROJECT_ROOT, 'docs', 'options.md');
writeFileSync(file, optionDocs());
console.log(`wrote ${file}`);
