import { ConnectionType } from '../graphql/connection.ts';
import { Job } from './job.entity.ts';

export { Job } from './job.entity.ts';
export const JobConnection = ConnectionType('Job', Job);
