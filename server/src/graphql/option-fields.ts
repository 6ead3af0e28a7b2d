// GraphQL input fields derived from option declarations (schema/options): each API option of a
// table becomes a nullable field of the input class, typed and described from its declaration
// (what it does, its range and unit, its default), and each declared enum a GraphQL enum whose
// names are the upper-cased values ('-' becoming '_').
import { Field, Float, InputType, Int, registerEnumType } from 'type-graphql';
import { documentation, type EnumSpec, graphqlEnumName, inputName, keysOn, type OptionSpec, type OptionTable } from '../../../schema/options/option-spec.ts';

const enums = new Map<string, Record<string, string>>();

/** The GraphQL enum object of a declared enum option (registered once by name). */
export function graphqlEnumOf(spec: EnumSpec): Record<string, string> {
  const declared = spec.graphqlEnum;
  if (!declared) throw new Error(`option "${spec.label}" declares no GraphQL enum`);
  let values = enums.get(declared.name);
  if (!values) {
    values = Object.fromEntries(spec.values.map((value) => [graphqlEnumName(value), value]));
    registerEnumType(values, { name: declared.name, ...(declared.description ? { description: declared.description } : {}) });
    enums.set(declared.name, values);
  }
  return values;
}

function graphqlType(spec: OptionSpec): NonNullable<Parameters<typeof Field>[0]> & (() => unknown) {
  switch (spec.kind) {
    case 'int':
      return () => Int;
    case 'float':
      return () => Float;
    case 'bool':
      return () => Boolean;
    case 'string':
      return () => String;
    case 'list':
      return () => [String];
    case 'enum': {
      if (!spec.graphqlEnum) return () => String;
      const values = graphqlEnumOf(spec);
      return () => values;
    }
  }
}

/** The fields of an input: each option's value, or null/absent for its default. */
export type Given<T> = { -readonly [K in keyof T]?: T[K] | null };

/**
 * A GraphQL input type named `name` with a nullable field for every API option of `table`, typed
 * and described from its declaration; `addFields` may declare more fields on its prototype.
 * `T` is the shape of its values (e.g. Given<LoraConfig>).
 */
export function optionInputType<T extends object>(name: string, description: string, table: OptionTable, addFields?: (prototype: object) => void): new () => T {
  // A fresh class per input type; type-graphql keys its metadata by the class.
  const InputClass = class {};
  Object.defineProperty(InputClass, 'name', { value: name });
  for (const key of keysOn(table, 'api')) {
    const spec = table[key]!;
    Field(graphqlType(spec), { nullable: true, description: documentation(spec) })(InputClass.prototype, inputName(key, spec));
  }
  addFields?.(InputClass.prototype);
  InputType(name, { description })(InputClass);
  return InputClass as new () => T;
}
