// Who acts on datasets: a caller of the API, or the server itself (registering the sample
// datasets at first start) on behalf of an owner. Ownership as for models: an upload and a
// dataset belong to who made them; a DEVELOPER uses only their own uploads and changes only their
// own datasets, an ADMIN anything. Also what the audit log keeps of a dataset.
import type { AuditActor } from '../audit/audit.service.ts';
import { ForbiddenError } from '../errors/domain-error.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal } from '../security/principal.ts';
import { hasRole, Role } from '../security/roles.ts';
import type { Dataset, DatasetVersion } from './datasets.entity.ts';

/**
 * Who acts: a caller of the API, or the server itself (registering the sample datasets at first
 * start) on behalf of an owner.
 */
export type DatasetsActor = Principal | { kind: 'system'; ownerId: string | null };

/** The owner of what the actor creates; only DEVELOPERs and ADMINs create. */
export function newOwnerId(actor: DatasetsActor, what: string): string | null {
  if (actor.kind === 'system') return actor.ownerId;
  const user = requireUser(actor);
  if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError(`${what} needs the DEVELOPER role; you have ${user.role}`);
  return user.id;
}

/** Throws FORBIDDEN unless the actor may use or change something of `ownerId` (the system may). */
export function assertOwnerOrAdmin(actor: DatasetsActor, ownerId: string | null, what: string, verb: string): void {
  if (actor.kind !== 'system') assertCanModify(actor, ownerId, what, verb);
}

export function auditActor(actor: DatasetsActor): AuditActor {
  return actor.kind === 'system' ? { kind: 'system' } : actor;
}

/** What the audit log keeps of a dataset: no report, no paths. */
export function datasetSummary(dataset: Dataset, versions: readonly DatasetVersion[]): Record<string, unknown> {
  return { id: dataset.id, name: dataset.name, description: dataset.description, ownerId: dataset.ownerId, versions: versions.map(versionSummary) };
}

export function versionSummary(v: DatasetVersion): Record<string, unknown> {
  return {
    id: v.id,
    version: v.version,
    format: v.format,
    sourceFilename: v.sourceFilename,
    sourceSha256: v.sourceSha256,
    parentVersionId: v.parentVersionId,
    pipelineHash: v.pipelineHash,
    recordsSha256: v.recordsSha256,
    recordCount: v.recordCount,
    gatePassed: Boolean(v.gatePassed),
  };
}
