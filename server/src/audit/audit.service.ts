// Writes and reads the audit log. Every authentication event and every change goes through
// record(); entries are never updated or deleted.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { type ActorKind, AuditLogEntry, type AuditOutcome } from './audit-log.entity.ts';

/** Who did it: a principal, or for failed logins just the email that was tried. */
export type AuditActor = Principal | { kind: 'system' } | { kind: 'anonymous'; email: string };

export interface AuditEvent {
  action: string;
  actor: AuditActor;
  origin?: RequestOrigin | null;
  outcome?: AuditOutcome;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter {
  actorId?: string | null;
  action?: string | null;
  /** Matches actions that start with this, e.g. "auth." */
  actionPrefix?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: AuditOutcome | null;
  since?: Date | null;
  until?: Date | null;
}

export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends an entry; pass the transaction's manager so the entry commits with the change. */
  async record(event: AuditEvent, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const actor = event.actor;
    const user = actor.kind === 'session' || actor.kind === 'apiKey' ? actor.user : null;
    const entry: AuditLogEntry = {
      id: randomUUID(),
      at: new Date(),
      action: event.action,
      outcome: event.outcome ?? 'SUCCESS',
      actorKind: actor.kind as ActorKind,
      actorId: user?.id ?? null,
      actorEmail: user?.email ?? ('email' in actor ? actor.email : null),
      apiKeyId: actor.kind === 'apiKey' ? actor.apiKeyId : null,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      before: event.before ?? null,
      after: event.after ?? null,
      ip: event.origin?.ip ?? null,
      requestId: event.origin?.requestId ?? null,
    };
    await manager.getRepository(AuditLogEntry).insert(entry as never);
  }

  /** How many entries of an action one email (from one address; null: none recorded) has had since a time. */
  countSince(match: { action: string; actorEmail: string; ip: string | null }, since: Date): Promise<number> {
    return this.dataSource
      .getRepository(AuditLogEntry)
      .createQueryBuilder('a')
      .where('a.action = :action AND a.actorEmail = :email AND a.at >= :since', { action: match.action, email: match.actorEmail, since: since.toISOString() })
      .andWhere(match.ip ? 'a.ip = :ip' : 'a.ip IS NULL', { ip: match.ip })
      .getCount();
  }

  /** Newest first. */
  list(filter: AuditFilter, page: PageArgs): Promise<Connection<AuditLogEntry>> {
    const qb = this.dataSource.getRepository(AuditLogEntry).createQueryBuilder('a');
    if (filter.actorId) qb.andWhere('a.actorId = :actorId', { actorId: filter.actorId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.actionPrefix) qb.andWhere('a.action LIKE :prefix', { prefix: `${filter.actionPrefix.replace(/[%_]/g, '')}%` });
    if (filter.targetType) qb.andWhere('a.targetType = :targetType', { targetType: filter.targetType });
    if (filter.targetId) qb.andWhere('a.targetId = :targetId', { targetId: filter.targetId });
    if (filter.outcome) qb.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) qb.andWhere('a.at >= :since', { since: filter.since.toISOString() });
    if (filter.until) qb.andWhere('a.at < :until', { until: filter.until.toISOString() });
    return paginate(qb, { alias: 'a', sortProperty: 'at', sortValue: (row) => row.at.toISOString(), direction: SortDirection.DESC, page });
  }
}
