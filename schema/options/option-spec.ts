// How an option is declared: its type, default, range, unit and words, once. The GraphQL input,
// the server's validation, the stored config type, the client form and the native door's checks
// are all derived from these declarations (see training-options.ts and model-options.ts).
//
// This folder is imported by server/, client/ and native/, so it imports nothing but itself.

/** Where an option is visible. */
export type OptionSurface =
  /** The API (GraphQL input, stored config, client form) and the native door. */
  | 'both'
  /** Only the API: a server-side policy (e.g. epochs, early stopping) or a user-facing form of a native option. */
  | 'api'
  /** Only the native door: an engine detail the API does not expose. */
  | 'native';

/** A default computed from the other options' values (keyed by declaration key). */
export interface DerivedDefault {
  text: string;
  from: (values: Readonly<Record<string, unknown>>) => number;
}

interface SpecBase {
  /** Short label for forms. */
  label: string;
  /** One sentence: what the option does (without its default; that is appended where shown). */
  description: string;
  /** Unit of a number (tokens, steps, sequences…), shown in forms. */
  unit?: string;
  surface: OptionSurface;
  /** The option's name at the native door when it differs from its key. */
  nativeKey?: string;
  /** The field's name in the GraphQL input when it differs from its key (the stored name). */
  inputKey?: string;
  /** A default computed from other options (by their keys), with its words (e.g. "learningRate / 10"); `default` is then null. */
  derivedDefault?: DerivedDefault;
  /** The default of runs started through the API, in words, where a server policy differs from `default` (the native one). */
  apiDefault?: string;
  /** What the form starts with when that differs from the default ('' leaves the field empty). */
  formInitial?: string;
  /** The form section it shows in. */
  group?: string;
}

export interface NumberSpec<K extends 'int' | 'float' = 'int' | 'float', D extends number | null = number | null> extends SpecBase {
  kind: K;
  /** null: no default value (the option is unset, derived, or required). */
  default: D;
  min: number;
  max: number;
  /** The bound itself is not allowed. */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

export interface BoolSpec extends SpecBase {
  kind: 'bool';
  default: boolean;
}

export interface EnumSpec<V extends string = string> extends SpecBase {
  kind: 'enum';
  values: readonly V[];
  default: V;
  /** The GraphQL enum type that carries it (names are the values upper-cased); without one, a String checked against `values`. */
  graphqlEnum?: { name: string; description?: string };
}

export interface StringSpec extends SpecBase {
  kind: 'string';
  default: string;
  pattern: RegExp;
  /** What a valid value looks like, in words ("auto, cpu, cuda or cuda:N"). */
  expects: string;
}

export interface ListSpec<V extends string = string> extends SpecBase {
  kind: 'list';
  values: readonly V[];
  default: readonly V[];
}

export type OptionSpec = NumberSpec | BoolSpec | EnumSpec | StringSpec | ListSpec;
export type OptionTable = Readonly<Record<string, OptionSpec>>;

// Builders keep literal types (surfaces, enum values, null defaults) so the value types can be derived.
export const int = <const S extends Omit<NumberSpec<'int'>, 'kind'>>(spec: S): S & { kind: 'int' } => ({ kind: 'int', ...spec });
export const float = <const S extends Omit<NumberSpec<'float'>, 'kind'>>(spec: S): S & { kind: 'float' } => ({ kind: 'float', ...spec });
export const bool = <const S extends Omit<BoolSpec, 'kind'>>(spec: S): S & { kind: 'bool' } => ({ kind: 'bool', ...spec });
export const choice = <const S extends Omit<EnumSpec, 'kind'>>(spec: S): S & { kind: 'enum' } => ({ kind: 'enum', ...spec });
export const text = <const S extends Omit<StringSpec, 'kind'>>(spec: S): S & { kind: 'string' } => ({ kind: 'string', ...spec });
export const list = <const S extends Omit<ListSpec, 'kind'>>(spec: S): S & { kind: 'list' } => ({ kind: 'list', ...spec });

/** The TypeScript type of an option's value. */
export type OptionValue<S> = S extends { kind: 'int' | 'float'; default: infer D }
  ? null extends D
    ? number | null
    : number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : S extends { kind: 'string' }
        ? string
        : S extends { kind: 'list'; values: readonly (infer V)[] }
          ? V[]
          : never;

type NotOn<S, Excluded extends OptionSurface> = S extends { surface: Excluded } ? never : S;

/** The values of a table's options that the API sees (stored names). */
export type ApiValues<T extends OptionTable> = { -readonly [K in keyof T as NotOn<T[K], 'native'> extends never ? never : K]: OptionValue<T[K]> };

/** Keys of the options on a surface. */
export function keysOn<T extends OptionTable>(table: T, surface: 'api' | 'native'): Array<keyof T & string> {
  return Object.keys(table).filter((key) => table[key]!.surface === 'both' || table[key]!.surface === surface);
}

/** The option's name at the native door. */
export const nativeName = (key: string, spec: OptionSpec): string => spec.nativeKey ?? key;
/** The option's name in the GraphQL input. */
export const inputName = (key: string, spec: OptionSpec): string => spec.inputKey ?? key;

/** The GraphQL enum name of a declared enum value: upper-cased, '-' becoming '_' ("causal-lm" → CAUSAL_LM). */
export function graphqlEnumName(value: string): string {
  return value.toUpperCase().replace(/-/g, '_');
}

/** "a, b or c" */
export function joinOr(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function formatNumber(n: number): string {
  return n === Infinity ? '∞' : String(n);
}

/** The default in words: "12", "learningRate / 10", "cosine", "none"; as the API applies it unless `surface` is native. */
export function describeDefault(spec: OptionSpec, surface: 'api' | 'native' = 'api'): string {
  if (surface === 'api' && spec.apiDefault) return spec.apiDefault;
  if (spec.derivedDefault) return spec.derivedDefault.text;
  const value = spec.default;
  if (value === null) return 'none';
  if (Array.isArray(value)) return `[${value.map((v) => `"${v}"`).join(', ')}]`;
  if (spec.kind === 'enum' && spec.graphqlEnum) return graphqlEnumName(String(value));
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** The range of a number in words: "an integer from 1 to 65536", "a number above 0 and at most 10". */
export function describeRange(spec: NumberSpec): string {
  const what = spec.kind === 'int' ? 'an integer' : 'a number';
  if (spec.exclusiveMax) return `${what} ${spec.exclusiveMin ? 'above' : 'at least'} ${spec.min} and below ${formatNumber(spec.max)}`;
  if (spec.max === Infinity) return `${what} ${spec.exclusiveMin ? 'above' : 'from'} ${spec.min}`;
  return `${what} ${spec.exclusiveMin ? `above ${spec.min} and at most` : `from ${spec.min} to`} ${spec.max}`;
}

/** The full description shown in the GraphQL schema and as form hints: what it does, its unit, range and default. */
export function documentation(spec: OptionSpec): string {
  const parts = [spec.description];
  if (spec.kind === 'int' || spec.kind === 'float') parts.push(`${describeRange(spec).replace(/^./, (c) => c.toUpperCase())}${spec.unit ? ` (${spec.unit})` : ''}.`);
  parts.push(`Defaults to ${describeDefault(spec)}.`);
  return parts.join(' ');
}

function inRange(spec: NumberSpec, n: number): boolean {
  const low = spec.exclusiveMin ? n > spec.min : n >= spec.min;
  const high = spec.exclusiveMax ? n < spec.max : n <= spec.max;
  return low && high;
}

/**
 * The problem with a value given for an option (in the API's words, e.g. "must be an integer from
 * 1 to 65536 (got 0)"), or null when it is valid. Enum values are the lower-case stored values.
 */
export function optionProblem(spec: OptionSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'int':
    case 'float': {
      const ok = typeof value === 'number' && Number.isFinite(value) && (spec.kind === 'float' || Number.isInteger(value)) && inRange(spec, value);
      return ok ? null : `must be ${describeRange(spec)} (got ${String(value)})`;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `must be true or false (got ${JSON.stringify(value)})`;
    case 'enum':
      return typeof value === 'string' && (spec.values as readonly string[]).includes(value) ? null : `must be ${joinOr(spec.values)} (got ${JSON.stringify(value)})`;
    case 'string':
      return typeof value === 'string' && spec.pattern.test(value) ? null : `must be ${spec.expects} (got ${JSON.stringify(value)})`;
    case 'list':
      if (!Array.isArray(value)) return `must be a list of ${joinOr(spec.values)}`;
      if (value.length === 0) return `must name at least one of ${joinOr(spec.values)}`;
      return null;
    default:
      return exhaustive(spec);
  }
}

/** The problem with one element of a list option, or null. */
export function listItemProblem(spec: ListSpec, item: unknown): string | null {
  return typeof item === 'string' && (spec.values as readonly string[]).includes(item) ? null : `must be one of ${spec.values.join(', ')} (got ${JSON.stringify(item)})`;
}

export function exhaustive(value: never): never {
  throw new Error(`Unhandled option kind: ${JSON.stringify(value)}`);
}
