import { describe, expect, it } from 'vitest';
import { configDiff } from './config-diff.ts';
import { measuredThroughput } from './estimate.ts';
import { appendPoints } from './metric-series.ts';

describe('run data', () => {
  it('appends live points after the history, dropping those it already has and null values', () => {
    const history = appendPoints({}, [
      { name: 'loss', step: 1, value: 5 },
      { name: 'loss', step: 2, value: 4 },
    ]);
    const next = appendPoints(history, [
      { name: 'loss', step: 2, value: 4 },
      { name: 'loss', step: 3, value: 3.5 },
      { name: 'lr', step: 3, value: 0.001 },
      { name: 'val_loss', step: 3, value: null },
    ]);
    expect(next.loss).toEqual({ steps: [1, 2, 3], values: [5, 4, 3.5] });
    expect(next.lr).toEqual({ steps: [3], values: [0.001] });
    expect(next.val_loss).toBeUndefined();
    // The history's arrays are not changed (React sees a new value).
    expect(history.loss!.steps).toEqual([1, 2]);
  });

  it('diffs configs, nested settings flattened', () => {
    const rows = configDiff([
      { steps: 10, learningRate: 0.001, lora: { rank: 8 } },
      { steps: 10, learningRate: 0.003, lora: { rank: 8 }, seed: 7 },
    ]);
    expect(rows).toEqual([
      { key: 'learningRate', values: ['0.001', '0.003'], differs: true },
      { key: 'lora.rank', values: ['8', '8'], differs: false },
      { key: 'seed', values: ['—', '7'], differs: true },
      { key: 'steps', values: ['10', '10'], differs: false },
    ]);
  });

  it('takes the throughput from runs of the same model first, else any, else unknown', () => {
    const runs = [
      { modelId: 'a', metrics: [{ value: 100 }, { value: 300 }] },
      { modelId: 'b', metrics: [{ value: 1000 }] },
    ];
    expect(measuredThroughput(runs, 'a')).toEqual({ tokensPerSecond: 200, runs: 1, sameModel: true });
    expect(measuredThroughput(runs, 'c')).toMatchObject({ runs: 2, sameModel: false });
    expect(measuredThroughput([], 'a')).toBeNull();
  });
});
