// What an admin does with accounts: list, create, change roles, disable/enable, reset
// passwords. Every change is audited with before/after in the same transaction.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { normalizeEmail } from '../auth/auth.service.ts';
import { assertPasswordPolicy, generatePassword, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { User } from '../auth/user.entity.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/domain-error.ts';
import { requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { Role } from '../security/roles.ts';

export interface UserFilter {
  role?: Role | null;
  emailContains?: string | null;
  disabled?: boolean | null;
}

/** What the audit log keeps of a user: never the password hash. */
export function publicUser(user: User): Record<string, unknown> {
  return { email: user.email, role: user.role, disabledAt: user.disabledAt?.toISOString() ?? null };
}

export class UserAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
  ) {}

  async get(id: string): Promise<User> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw new NotFoundError('User', id);
    return user;
  }

  list(filter: UserFilter, page: PageArgs): Promise<Connection<User>> {
    const qb = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (filter.role) qb.andWhere('u.role = :role', { role: filter.role });
    if (filter.emailContains) qb.andWhere('u.email LIKE :email', { email: `%${filter.emailContains.toLowerCase().replace(/[%_]/g, '')}%` });
    if (filter.disabled === true) qb.andWhere('u.disabledAt IS NOT NULL');
    if (filter.disabled === false) qb.andWhere('u.disabledAt IS NULL');
    return paginate(qb, { alias: 'u', sortProperty: 'email', sortValue: (u) => u.email, direction: SortDirection.ASC, page });
  }

  async create(actor: Principal | { kind: 'system' }, input: { email: string; password: string; role: Role }, origin: RequestOrigin | null): Promise<User> {
    const email = normalizeEmail(input.email, 'input.email');
    assertPasswordPolicy(input.password, 'input.password');
    const now = new Date();
    const user: User = { id: randomUUID(), email, passwordHash: await hashPassword(input.password), role: input.role, disabledAt: null, lastLoginAt: null, createdAt: now, updatedAt: now };
    await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(User);
      if (await repo.existsBy({ email })) throw new ConflictError(`A user with email ${email} already exists`, { field: 'input.email' });
      await repo.insert(user);
      await this.audit.record({ action: 'user.created', actor, origin, targetType: 'User', targetId: user.id, after: publicUser(user) }, manager);
    });
    return user;
  }

  async setRole(actor: Principal, id: string, role: Role, origin: RequestOrigin | null): Promise<User> {
    const me = requireUser(actor);
    if (me.id === id && role !== Role.ADMIN) throw new ForbiddenError('Admins cannot lower their own role; ask another admin');
    return this.change(actor, id, 'user.role_changed', origin, (user) => {
      user.role = role;
    });
  }

  async setDisabled(actor: Principal, id: string, disabled: boolean, origin: RequestOrigin | null): Promise<User> {
    const me = requireUser(actor);
    if (me.id === id && disabled) throw new ForbiddenError('Admins cannot disable their own account');
    return this.change(
      actor,
      id,
      disabled ? 'user.disabled' : 'user.enabled',
      origin,
      (user) => {
        user.disabledAt = disabled ? (user.disabledAt ?? new Date()) : null;
      },
      disabled ? 'disabled' : null,
    );
  }

  /** Sets a new password (generated when none is given, then returned once) and ends all sessions. */
  async resetPassword(actor: Principal, id: string, newPassword: string | null, origin: RequestOrigin | null): Promise<{ user: User; temporaryPassword: string | null }> {
    const password = newPassword ?? generatePassword();
    assertPasswordPolicy(password, 'newPassword');
    const passwordHash = await hashPassword(password);
    const user = await this.change(
      actor,
      id,
      'user.password_reset',
      origin,
      (u) => {
        u.passwordHash = passwordHash;
      },
      'password',
    );
    return { user, temporaryPassword: newPassword ? null : password };
  }

  /** A signed-in user changes their own password; other sessions end. */
  async changeOwnPassword(actor: Principal, currentPassword: string, newPassword: string, origin: RequestOrigin | null): Promise<boolean> {
    const me = requireUser(actor);
    const user = await this.get(me.id);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw ValidationError.single('currentPassword', 'is not your current password');
    assertPasswordPolicy(newPassword, 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(User).update({ id: user.id }, { passwordHash, updatedAt: new Date() });
      await this.auth.revokeUserSessions(user.id, 'password', manager);
      await this.audit.record({ action: 'user.password_changed', actor, origin, targetType: 'User', targetId: user.id }, manager);
    });
    return true;
  }

  private async change(actor: Principal, id: string, action: string, origin: RequestOrigin | null, apply: (user: User) => void, revokeSessions: string | null = null): Promise<User> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(User);
      const user = await repo.findOneBy({ id });
      if (!user) throw new NotFoundError('User', id);
      const before = publicUser(user);
      apply(user);
      user.updatedAt = new Date();
      await repo.update({ id }, { role: user.role, disabledAt: user.disabledAt, passwordHash: user.passwordHash, updatedAt: user.updatedAt });
      if (revokeSessions) await this.auth.revokeUserSessions(id, revokeSessions, manager);
      await this.audit.record({ action, actor, origin, targetType: 'User', targetId: id, before, after: publicUser(user) }, manager);
      return user;
    });
  }
}
