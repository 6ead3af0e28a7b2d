// Plain UTF-8 text: one document per blank-line-separated paragraph, or the whole file as one.
import { DatasetFormatError } from '../datasets.errors.ts';
import { readLines } from './lines.ts';
import type { ReaderHooks, SourceRecord } from './records.ts';

/** A whole-file document must fit in one JavaScript string comfortably. */
const MAX_DOCUMENT_CHARS = 256 * 1024 * 1024;

export async function* readText(source: AsyncIterable<Buffer>, hooks: ReaderHooks, documents: 'paragraphs' | 'file'): AsyncGenerator<SourceRecord> {
  let parts: string[] = [];
  let chars = 0;
  let startLine = 0;
  const flush = (): SourceRecord | null => {
    if (parts.length === 0) return null;
    const record = { fields: { text: parts.join('\n') }, location: documents === 'file' ? 'file' : `line ${startLine}` };
    parts = [];
    chars = 0;
    return record;
  };
  for await (const { text, line } of readLines(source, hooks)) {
    if (documents === 'paragraphs' && text.trim() === '') {
      const record = flush();
      if (record) yield record;
      continue;
    }
    if (parts.length === 0) startLine = line;
    parts.push(text);
    chars += text.length + 1;
    if (chars > MAX_DOCUMENT_CHARS) throw new DatasetFormatError(`document longer than ${MAX_DOCUMENT_CHARS} characters; split it into paragraphs`, `line ${startLine}`);
  }
  const record = flush();
  if (record) yield record;
}
