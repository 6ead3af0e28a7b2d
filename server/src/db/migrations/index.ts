// Every migration, in order. Add new ones at the end; never edit one that has shipped.
import { CreateInstanceSettings1764150000000 } from './1764150000000-create-instance-settings.ts';
import { CreateDatasets1764200000000 } from './1764200000000-create-datasets.ts';

export const MIGRATIONS = [CreateInstanceSettings1764150000000, CreateDatasets1764200000000];
