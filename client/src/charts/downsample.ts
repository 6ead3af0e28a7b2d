// Largest-Triangle-Three-Buckets: keeps the shape of a series in `threshold` points. The server
// downsamples long runs; this keeps the chart fluid for whatever still arrives (e.g. live points).
export function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): [number[], number[]] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return [Array.from(xs), Array.from(ys)];
  const outX: number[] = [xs[0]!];
  const outY: number[] = [ys[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += xs[j]!;
      avgY += ys[j]!;
    }
    const count = Math.max(1, avgEnd - avgStart);
    avgX /= count;
    avgY /= count;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((xs[a]! - avgX) * (ys[j]! - ys[a]!) - (xs[a]! - xs[j]!) * (avgY - ys[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    outX.push(xs[best]!);
    outY.push(ys[best]!);
    a = best;
  }
  outX.push(xs[n - 1]!);
  outY.push(ys[n - 1]!);
  return [outX, outY];
}

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * Aligns several series (each already downsampled) on one x axis for uPlot: the union of their
 * x values, with null where a series has no point.
 */
export function alignSeries(series: Series[], maxPointsPerSeries: number): [number[], ...Array<Array<number | null>>] {
  const reduced = series.map((s) => lttb(s.x, s.y, maxPointsPerSeries));
  const xsSet = new Set<number>();
  for (const [x] of reduced) for (const v of x) xsSet.add(v);
  const xs = [...xsSet].sort((p, q) => p - q);
  const index = new Map(xs.map((v, i) => [v, i]));
  const ys = reduced.map(([x, y]) => {
    const column: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < x.length; i++) column[index.get(x[i]!)!] = y[i]!;
    return column;
  });
  return [xs, ...ys];
}
