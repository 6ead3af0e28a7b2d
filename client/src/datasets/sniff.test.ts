import { describe, expect, it } from 'vitest';
import { formatFromName, sniffText } from './sniff.ts';

describe('sniffing a file for the column mapping', () => {
  it('guesses the format from the name', () => {
    expect(formatFromName('a.CSV')).toBe('CSV');
    expect(formatFromName('a.jsonl')).toBe('JSONL');
    expect(formatFromName('a.tfrecord')).toBe('TFRECORD');
    expect(formatFromName('tinyshakespeare.txt')).toBe('TEXT');
  });

  it('reads CSV headers with quotes and the delimiter', () => {
    expect(sniffText('r.csv', 'title;"the, body";stars\n1;2;3')).toEqual({ format: 'CSV', delimiter: ';', columns: ['title', 'the, body', 'stars'] });
  });

  it('collects JSONL keys and ignores a cut last line', () => {
    expect(sniffText('i.jsonl', '{"prompt":"a","response":"b"}\n{"prompt":"c","extra":1}\n{"cut').columns).toEqual(['prompt', 'response', 'extra']);
  });
});
