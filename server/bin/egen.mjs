#!/usr/bin/env node
// The `egen` command: registers tsx (TypeScript at run time) and hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
