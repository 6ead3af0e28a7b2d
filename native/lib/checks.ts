// Argument checks: one line each, a chosen error type and a message a user understands
// (`Expected a positive integer for options.batchSize but received "x" of type string`).
// Tests assert these texts exactly.
import { keysOn, nativeName, type OptionSpec, type OptionTable } from '../../schema/options/option-spec.ts';
import { TRAINING_OPTIONS } from '../../schema/options/training-options.ts';
import type { Plain } from './addon.ts';
import type { Float32Tensor } from './types.ts';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** Throws a TypeError: `Expected <what> for <name> but received <value> of type <type>`. */
export function expected(what: string, name: string, value: unknown): never {
  if (value === null || value === undefined) throw new TypeError(`Expected ${what} for ${name} but received ${String(value)}`);
  const shown = typeof value === 'string' ? `"${value}"` : typeof value === 'object' && value !== null ? '' : String(value);
  throw new TypeError(`Expected ${what} for ${name} but received ${shown ? `${shown} of type ` : ''}${describe(value)}`);
}

export function checkTensor(name: string, value: unknown): Float32Tensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected('an object { data: Float32Array, shape: number[] }', name, value);
  const { data, shape } = value as Partial<Float32Tensor>;
  if (!(data instanceof Float32Array)) expected('Float32Array', `${name}.data`, data);
  if (!Array.isArray(shape) || shape.length === 0) expected('a non-empty array of dimensions', `${name}.shape`, shape);
  shape.forEach((dim, i) => {
    if (!Number.isSafeInteger(dim) || dim < 0) expected('a non-negative integer', `${name}.shape[${i}]`, dim);
  });
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`Expected ${name}.data to hold ${count} elements for shape [${shape.join(', ')}] but it holds ${data.length}`);
  }
  return { data, shape: [...shape] };
}

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected('an object', name, value);
  return value as Record<string, unknown>;
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) expected(min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer', name, value);
  if (value < min || value > max) {
    throw new RangeError(`Expected ${name} to be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`} but received ${value}`);
  }
  return value;
}

export function checkNumber(name: string, value: unknown, min: number, max: number, options: { minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) expected('a finite number', name, value);
  const low = options.minExclusive ? value <= min : value < min;
  const high = options.maxExclusive ? value >= max : value > max;
  if (low || high) {
    const range = `${options.minExclusive ? '(' : '['}${min}, ${max === Infinity ? '∞' : max}${options.maxExclusive || max === Infinity ? ')' : ']'}`;
    throw new RangeError(`Expected ${name} to be in ${range} but received ${value}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') expected('a boolean', name, value);
  return value;
}

export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) expected('a non-empty string', name, value);
  return value;
}

export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) expected(`one of ${choices.map((c) => `"${c}"`).join(', ')}`, name, value);
  return value as T;
}

export function checkStringList(name: string, value: unknown, allowEmpty: boolean): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) expected(`${allowEmpty ? 'an' : 'a non-empty'} array of strings`, name, value);
  return value.map((v, i) => checkString(`${name}[${i}]`, v));
}

export function checkTokenList(name: string, value: unknown, vocabSize = Number.MAX_SAFE_INTEGER): number[] {
  if (!Array.isArray(value) && !(value instanceof Uint16Array) && !(value instanceof Uint32Array) && !(value instanceof Int32Array)) {
    expected('an array of token ids', name, value);
  }
  return Array.from(value as ArrayLike<unknown>, (t, i) => checkInteger(`${name}[${i}]`, t, 0, vocabSize - 1));
}

/** Applies `check` when the option is present, else returns the default. */
export function opt<T>(options: Record<string, unknown>, key: string, prefix: string, fallback: T, check: (name: string, value: unknown) => T): T {
  const value = options[key];
  return value === undefined ? fallback : check(`${prefix}${key}`, value);
}

/** A device, as the training option declares it (openModel takes the same). */
export function checkDevice(name: string, value: unknown): string {
  return checkDeclared(name, value, TRAINING_OPTIONS.device) as string;
}

/**
 * Checks a value against its declaration (schema/options) with the door's messages; returns it
 * (a list's elements checked one by one).
 */
export function checkDeclared(name: string, value: unknown, spec: OptionSpec): Plain {
  switch (spec.kind) {
    case 'int':
      return checkInteger(name, value, spec.min, spec.max === Infinity ? Number.MAX_SAFE_INTEGER : spec.max);
    case 'float':
      return checkNumber(name, value, spec.min, spec.max, { minExclusive: spec.exclusiveMin === true, maxExclusive: spec.exclusiveMax === true });
    case 'bool':
      return checkBoolean(name, value);
    case 'enum':
      return checkChoice(name, value, spec.values);
    case 'string':
      if (typeof value !== 'string' || !spec.pattern.test(value)) expected(spec.expects, name, value);
      return value;
    case 'list':
      if (!Array.isArray(value) || value.length === 0) expected(`a non-empty array of ${spec.values.map((v) => `"${v}"`).join(', ')}`, name, value);
      return value.map((item, i) => checkChoice(`${name}[${i}]`, item, spec.values));
  }
}

/**
 * The door's view of a declared table: every option on the native surface, under its native name,
 * checked when given; when absent its declared default, a derived default computed from the
 * others, or nothing (C++ keeps its own "unset").
 */
export function checkDeclaredOptions(table: OptionTable, given: Record<string, unknown>, prefix: string): Record<string, Plain> {
  const byKey: Record<string, unknown> = {};
  const derived: Array<[string, OptionSpec]> = [];
  for (const key of keysOn(table, 'native')) {
    const spec = table[key]!;
    const value = given[nativeName(key, spec)];
    if (value !== undefined) byKey[key] = checkDeclared(`${prefix}${nativeName(key, spec)}`, value, spec);
    else if (spec.derivedDefault) derived.push([key, spec]);
    else if (spec.default !== null) byKey[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  for (const [key, spec] of derived) byKey[key] = spec.derivedDefault!.from(byKey);
  const out: Record<string, Plain> = {};
  for (const [key, value] of Object.entries(byKey)) out[nativeName(key, table[key]!)] = value as Plain;
  return out;
}

/** The native names of a declared table's options. */
export function declaredNames(table: OptionTable): string[] {
  return keysOn(table, 'native').map((key) => nativeName(key, table[key]!));
}
