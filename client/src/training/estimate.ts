// Expected duration of a run from measured throughput: the median tokens/s of recent completed
// runs (of the same model when there are any, else of any model), or unknown.
export interface Throughput {
  tokensPerSecond: number;
  runs: number;
  sameModel: boolean;
}

export function measuredThroughput(runs: Array<{ modelId: string; metrics: Array<{ value: number | null }> }>, modelId: string | null): Throughput | null {
  const perRun = (list: typeof runs): number[] =>
    list
      .map((r) => {
        const values = r.metrics.map((m) => m.value).filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
        return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
      })
      .filter((v) => Number.isFinite(v));
  const same = modelId ? perRun(runs.filter((r) => r.modelId === modelId)) : [];
  const values = same.length ? same : perRun(runs);
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  return { tokensPerSecond: values[Math.floor(values.length / 2)]!, runs: values.length, sameModel: same.length > 0 };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
