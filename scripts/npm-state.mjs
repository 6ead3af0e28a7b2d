#!/usr/bin/env node
// Whether node_modules matches package-lock.json, for start.sh and launch.bat (plain Node, no
// packages needed). `fresh` exits 0 when the installed tree came from this exact lockfile;
// `stamp` records the lockfile's hash after a successful `npm ci`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'node_modules', '.egen-lock.sha256');
const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');

const verb = process.argv[2];
if (verb === 'fresh') {
  process.exit(existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === lockHash ? 0 : 1);
} else if (verb === 'stamp') {
  writeFileSync(stamp, lockHash + '\n');
} else {
  console.error('usage: node scripts/npm-state.mjs fresh|stamp');
  process.exit(2);
}
