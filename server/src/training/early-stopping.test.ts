// The early-stopping policy on its own: patience, the minimum improvement, and no policy at all.
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from './early-stopping.ts';

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations without an improvement of more than minDelta', () => {
    const policy = new EarlyStopping({ patience: 2, minDelta: 0.1 });
    expect(policy.count(3)).toBeNull();
    expect(policy.count(2.95)).toBeNull(); // better, but by less than minDelta: one without improvement
    expect(policy.count(2.5)).toBeNull(); // an improvement resets the count
    expect(policy.count(2.45)).toBeNull();
    expect(policy.count(2.6)).toBe('early stopping: no validation improvement of more than 0.1 in 2 evaluations');
  });

  it('compares with the best loss seen, not the last one', () => {
    const policy = new EarlyStopping({ patience: 3, minDelta: 0 });
    for (const loss of [2, 1, 1.5, 1.2]) expect(policy.count(loss)).toBeNull();
    expect(policy.count(1.05)).toBe('early stopping: no validation improvement of more than 0 in 3 evaluations');
  });

  it('never stops a run without a policy', () => {
    const policy = new EarlyStopping(null);
    for (let i = 0; i < 10; i++) expect(policy.count(1)).toBeNull();
  });
});
