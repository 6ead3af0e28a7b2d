// The shape of one `egen` sub-command. Domains keep their commands beside their code
// (e.g. server/src/datasets/datasets.cli.ts) and list them in cli/commands.ts.

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** Words that select it, e.g. ['datasets', 'upload']. */
  path: string[];
  /** One line for `egen --help`. */
  summary: string;
  /** Full usage shown by `egen <path> --help` and on a usage error. */
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A wrong flag or argument: printed with the command's usage, exit code 2. */
export class CliUsageError extends Error {}

/** Prints rows under a header as columns padded to their widest cell (two spaces apart). */
export function printTable(io: CliIo, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows])
    io.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
