// The configs of runs side by side: nested settings flattened to "a.b", differences marked.
/** Nested config flattened to "a.b" keys with printable values. */
export function flattenConfig(config: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, flattenConfig(value, path));
      else out[path] = value === undefined || value === null ? '—' : Array.isArray(value) ? value.join(', ') : typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
    }
  }
  return out;
}

export function configDiff(configs: unknown[]): Array<{ key: string; values: string[]; differs: boolean }> {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return keys.map((key) => {
    const values = flat.map((f) => f[key] ?? '—');
    return { key, values, differs: new Set(values).size > 1 };
  });
}
