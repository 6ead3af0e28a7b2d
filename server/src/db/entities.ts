// Every TypeORM entity of the server, registered with the data source in one place.
import { AuditLogEntry } from '../audit/audit-log.entity.ts';
import { ApiKey } from '../auth/api-key.entity.ts';
import { RefreshToken, Session } from '../auth/session.entity.ts';
import { User } from '../auth/user.entity.ts';
import { Dataset, DatasetVersion, Upload } from '../datasets/datasets.entity.ts';
import { Model, ModelVersion } from '../models/model.entity.ts';
import { ModelVersionTag } from '../models/model-version-tag.entity.ts';
import { Checkpoint, MetricPoint, RunLogLine, TrainingRun } from '../training/training.entity.ts';
import { Evaluation } from '../evaluation/evaluation.entity.ts';
import { Job } from '../jobs/job.entity.ts';
import { InstanceSetting } from '../system/instance-setting.entity.ts';

export const ENTITIES = [InstanceSetting, User, Session, RefreshToken, ApiKey, AuditLogEntry, Model, ModelVersion, Upload, Dataset, DatasetVersion, TrainingRun, MetricPoint, Checkpoint, RunLogLine, Evaluation, Job, ModelVersionTag];
