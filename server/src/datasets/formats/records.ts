// What every format reader yields: records of named fields with a location for messages.

export const DATASET_FORMATS = ['text', 'csv', 'jsonl', 'tfrecord'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

export interface SourceRecord {
  fields: Record<string, FieldValue>;
  /** Human-readable place in the file: "line 12", "record 5 (byte 1234)". */
  location: string;
}

/** How readers treat a row they cannot use. */
export type BadRowPolicy = 'fail' | 'skip';

export interface ReaderHooks {
  /** 'fail' throws DatasetFormatError at the first bad row; 'skip' reports it and goes on. Defaults to 'fail'. */
  badRows: BadRowPolicy;
  onBadRow(location: string, reason: string): void;
  /** Invalid UTF-8 replaced by U+FFFD (only when badRows is 'skip'). */
  onEncodingError(location: string): void;
}

export interface ReaderOptions {
  format: DatasetFormat;
  /** text: "paragraphs" splits documents at blank lines; "file" makes the file one document. Defaults to paragraphs. */
  textDocuments?: 'paragraphs' | 'file';
  /** csv: delimiter; detected among , ; and tab when absent. */
  csvDelimiter?: string;
  /** csv: the first row names the columns. Defaults to true. */
  csvHeader?: boolean;
}
