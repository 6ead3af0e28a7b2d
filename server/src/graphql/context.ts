// What every resolver receives: the request's id and logger, who is calling, the services,
// and per-request DataLoaders.
import type { DataSource } from 'typeorm';
import type { UserAdminService } from '../admin/user-admin.service.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Logger } from '../logging/logger.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { ModelsService } from '../models/models.service.ts';
import type { ModelImportService } from '../models/import/model-import.service.ts';
import type { VersioningService } from '../models/versioning.service.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import type { SystemService } from '../system/system.service.ts';
import type { TrainingService } from '../training/training.service.ts';
import type { EvaluationService } from '../evaluation/evaluation.service.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { ArtifactsService } from '../models/artifacts/artifacts.service.ts';
import type { Job } from '../jobs/jobs.types.ts';
import type { Loaders } from './loaders.ts';

export interface Services {
  dataSource: DataSource;
  system: SystemService;
  datasets: DatasetsService;
  audit: AuditService;
  auth: AuthService;
  users: UserAdminService;
  models: ModelsService;
  modelImport: ModelImportService;
  training: TrainingService;
  evaluation: EvaluationService;
  jobs: JobsService;
  versioning: VersioningService;
  artifacts: ArtifactsService<Job>;
}

export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  services: Services;
  /** Who is calling; resolved from the Authorization header or the connection_init payload. */
  principal: Principal;
  /** Request id, IP and user agent, for the audit log. */
  origin: RequestOrigin;
  loaders: Loaders;
}
