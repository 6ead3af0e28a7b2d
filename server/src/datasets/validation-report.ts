// The validation report stored with every version, built while the records stream past.
import { DatasetError } from './datasets.errors.ts';

export interface LengthStats {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
}

export interface FieldStats {
  name: string;
  /** Records where the field is absent or null. */
  missing: number;
  /** Records where the field is present but empty or only white space. */
  empty: number;
}

/** How often a label occurs in a labelled version, after the pipeline. */
export interface LabelCount {
  name: string;
  count: number;
  train: number;
  validation: number;
}

export interface BadRow {
  location: string;
  reason: string;
}

export interface GateCriterion {
  name: string;
  passed: boolean;
  value: number;
  threshold: string;
  detail: string;
}

export interface ValidationReport {
  /** Records read (source rows for a first version, parent records for a derived one). */
  rows: number;
  /** Records that produced training text. */
  usableRows: number;
  /** Records after the pipeline, per split. */
  trainRecords: number;
  validationRecords: number;
  mappedFields: string[];
  fields: FieldStats[];
  /** Rows whose training text equals an earlier row's. */
  duplicateRows: number;
  badRowCount: number;
  /** The first 100. */
  badRows: BadRow[];
  encodingErrors: number;
  /** The first 100 locations. */
  encodingErrorLocations: string[];
  charLength: LengthStats;
  tokenLength: LengthStats;
  totalChars: number;
  totalTokens: number;
  /** Characters only representable by byte fallback (lone byte tokens) or unknown (U+FFFD), over all characters. */
  tokenizationErrorRate: number;
  gate: { passed: boolean; criteria: GateCriterion[] };
  /** The label set of a labelled version (distinct labels by name, with counts); null without a label field. Absent in reports from before labels. */
  labels?: LabelCount[] | null;
}

export const MAX_LISTED = 100;
/** The seed's gate: tokenization error rate below 0.1%. */
export const MAX_TOKENIZATION_ERROR_RATE = 0.001;
/** Fields tracked for missing/empty counts (wide files list the first ones). */
const MAX_FIELDS = 256;

/** A growable list of lengths with summary statistics. */
export class Lengths {
  private values = new Uint32Array(1024);
  private n = 0;
  total = 0;

  add(value: number): void {
    if (this.n === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = value;
    this.total += value;
  }

  stats(): LengthStats {
    if (this.n === 0) return { min: 0, max: 0, mean: 0, p50: 0, p95: 0 };
    const sorted = this.values.slice(0, this.n).sort();
    // nearest-rank percentile
    const at = (q: number): number => sorted[Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1))]!;
    return { min: sorted[0]!, max: sorted[this.n - 1]!, mean: Math.round((this.total / this.n) * 100) / 100, p50: at(0.5), p95: at(0.95) };
  }
}

export class ReportBuilder {
  rows = 0;
  usableRows = 0;
  trainRecords = 0;
  validationRecords = 0;
  duplicateRows = 0;
  badRowCount = 0;
  encodingErrors = 0;
  tokenizationErrorChars = 0;
  readonly badRows: BadRow[] = [];
  readonly encodingErrorLocations: string[] = [];
  readonly chars = new Lengths();
  readonly tokens = new Lengths();
  private readonly present = new Map<string, { present: number; empty: number }>();
  /** Label counts of a labelled version; null when it has no labels. */
  private labelCounts: Map<string, LabelCount> | null = null;
  private readonly seen = new Set<string>();

  constructor(readonly mappedFields: string[] = []) {
    for (const name of mappedFields) this.present.set(name, { present: 0, empty: 0 });
  }

  badRow(location: string, reason: string): void {
    this.badRowCount++;
    if (this.badRows.length < MAX_LISTED) this.badRows.push({ location, reason });
  }

  encodingError(location: string): void {
    this.encodingErrors++;
    if (this.encodingErrorLocations.length < MAX_LISTED) this.encodingErrorLocations.push(location);
  }

  /** Counts presence of each field of a source row. */
  fields(fields: Record<string, unknown>): void {
    this.rows++;
    for (const [name, value] of Object.entries(fields)) {
      let entry = this.present.get(name);
      if (!entry) {
        if (this.present.size >= MAX_FIELDS) continue;
        entry = { present: 0, empty: 0 };
        this.present.set(name, entry);
      }
      if (value === null || value === undefined) continue;
      entry.present++;
      if ((typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0)) entry.empty++;
    }
  }

  /** Marks the version as labelled (even if no record survives). */
  labelled(): void {
    this.labelCounts ??= new Map();
  }

  /** Counts a record's label in its split; refuses more distinct labels than `max`. */
  label(name: string, split: 'train' | 'validation', max: number, location: string): void {
    const counts = (this.labelCounts ??= new Map());
    let entry = counts.get(name);
    if (!entry) {
      // more distinct labels than a classifier takes: most likely the wrong column
      if (counts.size >= max) throw new DatasetError('INVALID_DATASET_FILE', `more than ${max} distinct labels (a classifier takes at most ${max}); is the label field the right column?`, location);
      entry = { name, count: 0, train: 0, validation: 0 };
      counts.set(name, entry);
    }
    entry.count++;
    entry[split]++;
  }

  /** Counts a duplicate when this key (a digest of the row's text) was seen before. */
  duplicate(key: string): void {
    if (this.seen.has(key)) this.duplicateRows++;
    else this.seen.add(key);
  }

  build(): ValidationReport {
    const fields: FieldStats[] = [...this.present].map(([name, e]) => ({ name, missing: this.rows - e.present, empty: e.empty }));
    const mapped = fields.filter((f) => this.mappedFields.includes(f.name));
    const missingValues = mapped.reduce((a, f) => a + f.missing + f.empty, 0);
    const totalChars = this.chars.total;
    const rate = totalChars === 0 ? 0 : this.tokenizationErrorChars / totalChars;
    const criteria: GateCriterion[] = [
      {
        name: 'zero missing values',
        passed: missingValues === 0,
        value: missingValues,
        threshold: '= 0',
        detail: `${missingValues} missing or empty values in ${this.mappedFields.join(', ') || 'the mapped fields'}`,
      },
      {
        name: 'tokenization error rate < 0.1%',
        passed: rate < MAX_TOKENIZATION_ERROR_RATE,
        value: rate,
        threshold: '< 0.001',
        detail: `${this.tokenizationErrorChars} of ${totalChars} characters need byte fallback or are unknown (U+FFFD) (${(rate * 100).toFixed(4)}%)`,
      },
    ];
    return {
      rows: this.rows,
      usableRows: this.usableRows,
      trainRecords: this.trainRecords,
      validationRecords: this.validationRecords,
      mappedFields: this.mappedFields,
      fields,
      duplicateRows: this.duplicateRows,
      badRowCount: this.badRowCount,
      badRows: this.badRows,
      encodingErrors: this.encodingErrors,
      encodingErrorLocations: this.encodingErrorLocations,
      charLength: this.chars.stats(),
      tokenLength: this.tokens.stats(),
      totalChars,
      totalTokens: this.tokens.total,
      tokenizationErrorRate: rate,
      gate: { passed: criteria.every((c) => c.passed), criteria },
      labels: this.labelCounts ? [...this.labelCounts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : null,
    };
  }
}
