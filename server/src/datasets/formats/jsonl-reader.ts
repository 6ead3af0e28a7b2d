// JSON Lines: one JSON object per line; blank lines are ignored.
import { DatasetFormatError } from '../datasets.errors.ts';
import { readLines } from './lines.ts';
import type { FieldValue, ReaderHooks, SourceRecord } from './records.ts';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export async function* readJsonl(source: AsyncIterable<Buffer>, hooks: ReaderHooks): AsyncGenerator<SourceRecord> {
  for await (const { text, line } of readLines(source, hooks)) {
    if (text.trim() === '') continue;
    const location = `line ${line}`;
    let reason: string;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        yield { fields: value as Record<string, FieldValue>, location };
        continue;
      }
      reason = `expected a JSON object, got ${kindOf(value)}`;
    } catch (error) {
      reason = `not valid JSON: ${(error as Error).message}`;
    }
    if (hooks.badRows === 'fail') throw new DatasetFormatError(reason, location);
    hooks.onBadRow(location, reason);
  }
}
