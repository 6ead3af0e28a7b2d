// The pub/sub topics of jobs; JobsService publishes a Job row as just written on both.
/** Keyed by the job id. */
export const JOB_UPDATED_TOPIC = 'jobs.jobUpdated';
/** Keyed by the owner's user id: every job of one user. */
export const OWNER_JOBS_TOPIC = 'jobs.ownerJobs';
