import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../server/src/paths.ts';

// ESLint and Prettier over the whole repository (their ignore files say what is left out).

interface EslintFileResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; line: number; column: number; message: string }>;
}

const bin = (...path: string[]): string => join(PROJECT_ROOT, 'node_modules', ...path);

describe('lint', () => {
  it('ESLint reports nothing (npm run lint)', () => {
    const eslint = spawnSync(process.execPath, [bin('eslint', 'bin', 'eslint.js'), '--format', 'json', '--max-warnings', '0', '.'], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(eslint.stderr).toBe('');
    // One line per problem: file:line:column rule message.
    const problems = (JSON.parse(eslint.stdout) as EslintFileResult[]).flatMap((file) => file.messages.map((m) => `${relative(PROJECT_ROOT, file.filePath)}:${m.line}:${m.column} ${m.ruleId ?? 'eslint'} ${m.message.split('\n')[0]}`));
    expect(problems).toEqual([]);
    expect(eslint.status).toBe(0);
  }, 300_000);

  it('Prettier leaves every file as it is (npm run format:check)', () => {
    const prettier = spawnSync(process.execPath, [bin('prettier', 'bin', 'prettier.cjs'), '--list-different', '.'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    // The files Prettier would change; `npm run format` rewrites them.
    expect(prettier.stdout.split('\n').filter(Boolean)).toEqual([]);
    expect(prettier.stderr).toBe('');
  }, 300_000);
});
