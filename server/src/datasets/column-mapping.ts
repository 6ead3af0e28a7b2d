// Which fields of a record become training text: one or more text fields joined, or a prompt
// and a response formatted as an instruction example.
import { DatasetError } from './datasets.errors.ts';
import type { FieldValue } from './formats/records.ts';

export const CONTEXT_TOKEN = '<context>';
export const RESPONSE_TOKEN = '<response>';
export const END_OF_TEXT_TOKEN = '<|endoftext|>';
export const PAD_TOKEN = '<pad>';
export const SPECIAL_TOKENS = [END_OF_TEXT_TOKEN, PAD_TOKEN, CONTEXT_TOKEN, RESPONSE_TOKEN] as const;

export type ColumnMapping = { kind: 'text'; textFields: string[]; separator: string } | { kind: 'instruction'; promptField: string; responseField: string };

export interface MappingInput {
  textFields?: string[] | null;
  promptField?: string | null;
  responseField?: string | null;
  separator?: string | null;
}

const PROMPT_NAMES = ['prompt', 'instruction', 'question', 'input', 'context'];
const RESPONSE_NAMES = ['response', 'output', 'answer', 'completion', 'target'];

/** The declared mapping, or one guessed from the first record's fields. */
export function resolveMapping(input: MappingInput, firstFields: Record<string, FieldValue> | null): ColumnMapping {
  const hasText = (input.textFields?.length ?? 0) > 0;
  const hasPair = Boolean(input.promptField || input.responseField);
  if (hasText && hasPair) throw new DatasetError('INVALID_DATASET_INPUT', 'choose either textFields or promptField + responseField, not both');
  if (hasPair) {
    if (!input.promptField || !input.responseField) throw new DatasetError('INVALID_DATASET_INPUT', 'promptField and responseField must be given together');
    return { kind: 'instruction', promptField: input.promptField, responseField: input.responseField };
  }
  if (hasText) return { kind: 'text', textFields: [...input.textFields!], separator: input.separator ?? '\n' };
  const names = Object.keys(firstFields ?? {});
  if (names.includes('text')) return { kind: 'text', textFields: ['text'], separator: '\n' };
  const prompt = PROMPT_NAMES.find((n) => names.includes(n));
  const response = RESPONSE_NAMES.find((n) => names.includes(n));
  if (prompt && response) return { kind: 'instruction', promptField: prompt, responseField: response };
  const firstString = names.find((n) => typeof firstFields![n] === 'string');
  if (firstString) return { kind: 'text', textFields: [firstString], separator: '\n' };
  throw new DatasetError('INVALID_DATASET_INPUT', `cannot tell which field holds the text (fields: ${names.join(', ') || 'none'}); pass textFields or promptField + responseField`);
}

/** The fields a mapping reads. */
export function mappedFields(mapping: ColumnMapping): string[] {
  return mapping.kind === 'text' ? mapping.textFields : [mapping.promptField, mapping.responseField];
}

export function fieldText(value: FieldValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => fieldText(v) ?? '').join('\n');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The training text of one record, or null when a mapped field is missing or empty. Instruction
 * examples read `<context>{prompt}<response>{response}`; the end-of-text token is added at
 * tokenization.
 */
export function applyMapping(mapping: ColumnMapping, fields: Record<string, FieldValue>): string | null {
  if (mapping.kind === 'instruction') {
    const prompt = fieldText(fields[mapping.promptField]);
    const response = fieldText(fields[mapping.responseField]);
    if (!prompt?.trim() || !response?.trim()) return null;
    return `${CONTEXT_TOKEN}${prompt}${RESPONSE_TOKEN}${response}`;
  }
  const parts: string[] = [];
  for (const name of mapping.textFields) {
    const text = fieldText(fields[name]);
    if (text?.trim()) parts.push(text);
  }
  return parts.length ? parts.join(mapping.separator) : null;
}
