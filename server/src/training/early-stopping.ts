// The early-stopping policy of a run, fed every evaluation (also those before a resume, so it
// continues where it was).
import type { StoredTrainingConfig } from './training.entity.ts';

/** The early-stopping policy: patience counted in evaluations without an improvement of more than minDelta. */
export class EarlyStopping {
  private best: number | null = null;
  private withoutImprovement = 0;

  constructor(private readonly config: StoredTrainingConfig['earlyStopping']) {}

  /** Counts an evaluation; returns a stop reason when patience ran out. */
  count(valLoss: number): string | null {
    const es = this.config;
    if (this.best === null || valLoss < this.best - (es?.minDelta ?? 0)) {
      this.best = this.best === null ? valLoss : Math.min(this.best, valLoss);
      this.withoutImprovement = 0;
    } else this.withoutImprovement++;
    if (es && this.withoutImprovement >= es.patience) return `early stopping: no validation improvement of more than ${es.minDelta} in ${es.patience} evaluations`;
    return null;
  }
}
