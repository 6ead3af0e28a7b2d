// Reads the start of a file in the browser to suggest its format and its columns, so the column
// mapping can be chosen before the server reads the whole file.
export type Format = 'CSV' | 'JSONL' | 'TEXT' | 'TFRECORD';

export interface Sniffed {
  format: Format;
  columns: string[];
  delimiter?: string;
}

export function formatFromName(name: string): Format {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'CSV';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'JSONL';
  if (lower.endsWith('.tfrecord') || lower.endsWith('.tfrecords') || lower.endsWith('.tfrecord.gz')) return 'TFRECORD';
  return 'TEXT';
}

function splitCsvLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

export function sniffText(name: string, head: string): Sniffed {
  const format = formatFromName(name);
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (format === 'CSV') {
    const first = lines[0] ?? '';
    const delimiter = [',', ';', '\t'].map((d) => ({ d, n: first.split(d).length })).sort((a, b) => b.n - a.n)[0]!.d;
    return { format, delimiter, columns: splitCsvLine(first, delimiter).filter(Boolean) };
  }
  if (format === 'JSONL') {
    const keys = new Set<string>();
    for (const line of lines.slice(0, 50)) {
      try {
        const value = JSON.parse(line) as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) keys.add(key);
      } catch {
        // the last line of the sample may be cut
      }
    }
    return { format, columns: [...keys] };
  }
  return { format, columns: [] };
}

export async function sniffFile(file: Blob & { name: string }): Promise<Sniffed> {
  const format = formatFromName(file.name);
  if (format === 'TFRECORD' || format === 'TEXT') return { format, columns: [] };
  const head = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsText(file.slice(0, 64 * 1024));
  });
  return sniffText(file.name, head);
}
