// Which fields of a record become training text: one or more text fields joined, or a prompt
// and a response formatted as an instruction example; and, for classification data, which field
// holds each record's label.
import { MODEL_OPTIONS } from '../../../schema/options/model-options.ts';
import { DatasetError } from './datasets.errors.ts';
import type { FieldValue } from './formats/records.ts';

export const CONTEXT_TOKEN = '<context>';
export const RESPONSE_TOKEN = '<response>';
export const END_OF_TEXT_TOKEN = '<|endoftext|>';
export const PAD_TOKEN = '<pad>';
export const SPECIAL_TOKENS = [END_OF_TEXT_TOKEN, PAD_TOKEN, CONTEXT_TOKEN, RESPONSE_TOKEN] as const;

/** `labelField`: the field holding the record's class label (labelled data for classifiers). */
export type ColumnMapping = ({ kind: 'text'; textFields: string[]; separator: string } | { kind: 'instruction'; promptField: string; responseField: string }) & { labelField?: string };

export interface MappingInput {
  textFields?: string[] | null;
  promptField?: string | null;
  responseField?: string | null;
  separator?: string | null;
  labelField?: string | null;
}

/** A label value's longest form (as a model's label names). */
export const MAX_LABEL_LENGTH = 100;
/** Distinct labels a labelled version may hold: as many as a classifier takes. */
export const MAX_DISTINCT_LABELS = MODEL_OPTIONS.numLabels.max;

const PROMPT_NAMES = ['prompt', 'instruction', 'question', 'input', 'context'];
const RESPONSE_NAMES = ['response', 'output', 'answer', 'completion', 'target'];

/** The declared mapping, or one guessed from the first record's fields (never from the label field), with the label field if given. */
export function resolveMapping(input: MappingInput, firstFields: Record<string, FieldValue> | null): ColumnMapping {
  const labelField = input.labelField?.trim() || null;
  if (input.labelField !== null && input.labelField !== undefined && !labelField) throw new DatasetError('INVALID_DATASET_INPUT', 'labelField must name a field');
  const mapping = resolveTextMapping(input, labelField ? Object.fromEntries(Object.entries(firstFields ?? {}).filter(([name]) => name !== labelField)) : firstFields);
  if (!labelField) return mapping;
  if (mappedFields(mapping).includes(labelField)) throw new DatasetError('INVALID_DATASET_INPUT', `labelField "${labelField}" is also mapped as text; a label cannot be part of the text it labels`);
  if (firstFields && !(labelField in firstFields)) {
    throw new DatasetError('INVALID_DATASET_INPUT', `labelField "${labelField}" is not a field of the first record (fields: ${Object.keys(firstFields).join(', ') || 'none'})`);
  }
  return { ...mapping, labelField };
}

function resolveTextMapping(input: MappingInput, firstFields: Record<string, FieldValue> | null): ColumnMapping {
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

/** The fields a mapping reads for the text. */
export function mappedFields(mapping: ColumnMapping): string[] {
  return mapping.kind === 'text' ? mapping.textFields : [mapping.promptField, mapping.responseField];
}

/**
 * The label of a record of a labelled mapping, trimmed, or why the record has none usable (then
 * it is a bad row). Numbers and booleans become their text ("1", "true").
 */
export function applyLabel(labelField: string, fields: Record<string, FieldValue>): { label: string } | { problem: string } {
  const value = fields[labelField];
  if (Array.isArray(value) && value.length === 0) return { problem: `no label: the label field "${labelField}" is empty` };
  if (value !== null && value !== undefined && typeof value === 'object') return { problem: `the label field "${labelField}" holds a list or an object, not a label` };
  const label = fieldText(value)?.trim() ?? '';
  if (!label) return { problem: `no label: the label field "${labelField}" is ${value === undefined || value === null ? 'missing' : 'empty'}` };
  if (label.length > MAX_LABEL_LENGTH || /\p{Cc}/u.test(label)) return { problem: `the label in "${labelField}" must be 1 to ${MAX_LABEL_LENGTH} characters on one line` };
  return { label };
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
