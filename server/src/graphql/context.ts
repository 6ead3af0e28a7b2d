// What every resolver receives: the request's id and logger, and the services.
import type { Logger } from '../logging/logger.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { SystemService } from '../system/system.service.ts';

export interface Services {
  system: SystemService;
  datasets: DatasetsService;
}

export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  services: Services;
}
