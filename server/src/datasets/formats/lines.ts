// Splits a byte stream into UTF-8 lines without holding more than one line in memory.
// Line breaks: \n, \r\n and a lone \r (mixed endings are common in hand-edited files). A leading
// BOM is dropped. Invalid UTF-8 fails with its line and byte, or is replaced and reported.
import { DatasetFormatError } from '../datasets.errors.ts';
import type { ReaderHooks } from './records.ts';
import { firstInvalidUtf8 } from './utf8.ts';

export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte in the file. */
  byteOffset: number;
}

/** Longest line accepted; longer ones are a clear error rather than an out-of-memory crash. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

export function decodeLine(bytes: Buffer, line: number, byteOffset: number, hooks: ReaderHooks): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const location = `line ${line}, byte ${byteOffset + bad}`;
    if (hooks.badRows === 'fail') throw new DatasetFormatError('invalid UTF-8 (the file must be UTF-8 encoded)', location);
    hooks.onEncodingError(location);
  }
  return bytes.toString('utf8');
}

export async function* readLines(source: AsyncIterable<Buffer>, hooks: ReaderHooks): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  let lineStart = 0; // byte offset of the current line
  let first = true;
  let skipLf = false; // the previous chunk ended with \r: a \n now belongs to it
  const take = (tail: Buffer): Buffer => {
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail], pendingBytes + tail.length);
    pending = [];
    pendingBytes = 0;
    return bytes;
  };
  for await (let chunk of source) {
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        chunk = chunk.subarray(3);
        lineStart = 3;
      }
    }
    let start = 0;
    if (skipLf) {
      skipLf = false;
      if (chunk[0] === 0x0a) {
        start = 1;
        lineStart += 1;
      }
    }
    let nextLf = chunk.indexOf(0x0a, start);
    let nextCr = chunk.indexOf(0x0d, start);
    while (true) {
      if (nextLf >= 0 && nextLf < start) nextLf = chunk.indexOf(0x0a, start);
      if (nextCr >= 0 && nextCr < start) nextCr = chunk.indexOf(0x0d, start);
      const at = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
      if (at < 0) {
        if (start < chunk.length) {
          pending.push(chunk.subarray(start));
          pendingBytes += chunk.length - start;
          if (pendingBytes > MAX_LINE_BYTES) throw new DatasetFormatError(`line longer than ${MAX_LINE_BYTES} bytes`, `line ${line}, byte ${lineStart}`);
        }
        break;
      }
      const bytes = take(chunk.subarray(start, at));
      let terminator = 1;
      if (chunk[at] === 0x0d) {
        if (at + 1 < chunk.length) terminator = chunk[at + 1] === 0x0a ? 2 : 1;
        else skipLf = true;
      }
      yield { text: decodeLine(bytes, line, lineStart, hooks), line, byteOffset: lineStart };
      lineStart += bytes.length + terminator;
      line++;
      start = at + terminator;
    }
  }
  if (pendingBytes > 0) yield { text: decodeLine(take(Buffer.alloc(0)), line, lineStart, hooks), line, byteOffset: lineStart };
}
