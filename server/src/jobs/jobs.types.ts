// Other domains name the Job GraphQL type (e.g. as a mutation's result) through this module, not the entity file.
export { Job } from './job.entity.ts';
