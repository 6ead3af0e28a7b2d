// A small flag parser for sub-commands: --name value, --name=value, boolean --flag, positionals.
import { CliUsageError } from './command.ts';

export interface ParsedFlags {
  values: Map<string, string>;
  booleans: Set<string>;
  positionals: string[];
}

export function parseFlags(args: readonly string[], valued: readonly string[], booleans: readonly string[] = []): ParsedFlags {
  const out: ParsedFlags = { values: new Map(), booleans: new Set(), positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (booleans.includes(name)) {
      out.booleans.add(name);
    } else if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CliUsageError(`${name} needs a value`);
      out.values.set(name, value);
    } else {
      throw new CliUsageError(`unknown option ${name}`);
    }
  }
  return out;
}

/** An integer flag, or undefined when absent. */
export function intFlag(flags: ParsedFlags, name: string): number | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new CliUsageError(`${name} must be an integer (got "${raw}")`);
  return Number(raw);
}

export function numberFlag(flags: ParsedFlags, name: string): number | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new CliUsageError(`${name} must be a number (got "${raw}")`);
  return value;
}
