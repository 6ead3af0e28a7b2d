// `egen` entry: picks the sub-command by its words and runs it.
import { COMMANDS } from './commands.ts';
import { type CliCommand, type CliIo, CliUsageError } from './command.ts';
import { EGEN_VERSION } from '../system/system.service.ts';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  return ['Usage: egen <command> [options]', '', 'Commands:', ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`), '', 'Options: --version, --help (also after a command)'].join('\n');
}

function findCommand(args: string[]): { command: CliCommand; rest: string[] } | null {
  let best: { command: CliCommand; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    if (command.path.every((word, i) => args[i] === word) && (!best || command.path.length > best.command.path.length)) {
      best = { command, rest: args.slice(command.path.length) };
    }
  }
  return best;
}

export async function runCli(args: string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }): Promise<number> {
  if (args[0] === '--version' || args[0] === '-v') {
    io.out(EGEN_VERSION);
    return 0;
  }
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.out(usage());
    return args.length === 0 ? 2 : 0;
  }
  const found = findCommand(args);
  if (!found) {
    io.err(`egen: unknown command "${args.join(' ')}"\n\n${usage()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(found.command.usage);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`egen ${found.command.path.join(' ')}: ${error.message}\n\n${found.command.usage}`);
      return 2;
    }
    io.err(`egen ${found.command.path.join(' ')}: ${(error as Error).message}`);
    return 1;
  }
}
