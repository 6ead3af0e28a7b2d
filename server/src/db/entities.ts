// Every TypeORM entity of the server, registered with the data source in one place.
import { InstanceSetting } from '../system/instance-setting.entity.ts';

export const ENTITIES = [InstanceSetting];
