// The GraphQL type of an audit entry is its entity class; other domains name it from here.
export { AuditLogEntry } from './audit-log.entity.ts';
