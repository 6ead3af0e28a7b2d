// Ownership: ADMIN changes anything, a DEVELOPER only what they own, a VIEWER nothing.
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-error.ts';
import type { AuthenticatedUser, Principal } from './principal.ts';
import { hasRole, Role } from './roles.ts';

/** The calling user, or UNAUTHENTICATED. */
export function requireUser(principal: Principal): AuthenticatedUser {
  if (principal.kind === 'anonymous') throw new UnauthenticatedError('Sign in first');
  return principal.user;
}

/**
 * Throws FORBIDDEN unless the caller may change (or, with `verb`, otherwise use) something owned
 * by `ownerId`. A null owner (rows from before ownership was recorded) leaves it to admins.
 */
export function assertCanModify(principal: Principal, ownerId: string | null, what: string, verb = 'change'): AuthenticatedUser {
  const user = requireUser(principal);
  if (user.role === Role.ADMIN) return user;
  if (hasRole(user.role, Role.DEVELOPER) && ownerId !== null && user.id === ownerId) return user;
  throw new ForbiddenError(`Only the owner or an admin may ${verb} this ${what}`);
}
