// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { CreateInstanceSettings1764150000000 } from './1764150000000-create-instance-settings.ts';
import { CreateAuthAuditModels1764160000000 } from './1764160000000-create-auth-audit-models.ts';
import { CreateDatasets1764200000000 } from './1764200000000-create-datasets.ts';
import { AddDatasetOwners1764210000000 } from './1764210000000-add-dataset-owners.ts';
import { CreateTraining1764300000000 } from './1764300000000-create-training.ts';
import { CreateEvaluations1764310000000 } from './1764310000000-create-evaluations.ts';
import { CreateRunLog1764400000000 } from './1764400000000-create-run-log.ts';
import { CreateJobs1764500000000 } from './1764500000000-create-jobs.ts';
import { AddModelTask1764510000000 } from './1764510000000-add-model-task.ts';
import { AddEvaluationClassification1764510000001 } from './1764510000001-add-evaluation-classification.ts';
import { CreateModelVersionTags1764530000000 } from './1764530000000-create-model-version-tags.ts';
import { AddModelVersionSource1764520000000 } from './1764520000000-add-model-version-source.ts';
import { CreateModelArtifacts1764600000000 } from './1764600000000-create-model-artifacts.ts';

export const MIGRATIONS = [
  CreateInstanceSettings1764150000000,
  CreateAuthAuditModels1764160000000,
  CreateDatasets1764200000000,
  AddDatasetOwners1764210000000,
  CreateTraining1764300000000,
  CreateEvaluations1764310000000,
  CreateRunLog1764400000000,
  CreateJobs1764500000000,
  AddModelTask1764510000000,
  AddEvaluationClassification1764510000001,
  AddModelVersionSource1764520000000,
  CreateModelVersionTags1764530000000,
  CreateModelArtifacts1764600000000,
];
