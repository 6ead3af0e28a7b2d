// Every TypeORM entity of the server, registered with the data source in one place.
import { Dataset, DatasetVersion, Upload } from '../datasets/datasets.entity.ts';
import { InstanceSetting } from '../system/instance-setting.entity.ts';

export const ENTITIES = [InstanceSetting, Upload, Dataset, DatasetVersion];
