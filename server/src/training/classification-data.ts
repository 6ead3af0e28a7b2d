// What a classifier's run needs of its dataset version: labels (a version built with a label
// field), every one of them among the model's labels, and some to train on. Problems are worded
// for the user and name the labels at fault.
import type { FieldError } from '../errors/domain-error.ts';

export interface VersionLabel {
  name: string;
  train: number;
  validation: number;
}

/** The problems of training a classifier with `modelLabels` on a version with `versionLabels` (null: no label field). */
export function classificationDataProblems(modelLabels: readonly string[], versionLabels: readonly VersionLabel[] | null | undefined, field = 'input.datasetVersionId'): FieldError[] {
  if (!versionLabels) return [{ field, message: 'has no labels: a CLASSIFICATION model trains on a dataset version built with a labelField' }];
  const known = new Set(modelLabels);
  const unknown = versionLabels.filter((l) => !known.has(l.name)).map((l) => l.name);
  if (unknown.length) {
    const shown = unknown.slice(0, 20).map((name) => `"${name}"`);
    return [
      {
        field,
        message: `has ${unknown.length === 1 ? 'a label' : `${unknown.length} labels`} the model does not know: ${shown.join(', ')}${unknown.length > shown.length ? ` and ${unknown.length - shown.length} more` : ''} (the model's labels: ${modelLabels.join(', ')})`,
      },
    ];
  }
  if (!versionLabels.some((l) => l.train > 0)) return [{ field, message: 'has no labelled training records' }];
  return [];
}
