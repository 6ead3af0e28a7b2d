// Ownership: ADMIN changes anything, a DEVELOPER only what they own, a VIEWER nothing.
import { ForbiddenError, UnauthenticatedError } from '../graphql/errors.ts';
import type { AuthenticatedUser, Principal } from './principal.ts';
import { hasRole, Role } from './roles.ts';

/** The calling user, or UNAUTHENTICATED. */
export function requireUser(principal: Principal): AuthenticatedUser {
  if (principal.kind === 'anonymous') throw new UnauthenticatedError('Sign in first');
  return principal.user;
}

/** Throws FORBIDDEN unless the caller may change something owned by `ownerId`. */
export function assertCanModify(principal: Principal, ownerId: string, what: string): AuthenticatedUser {
  const user = requireUser(principal);
  if (user.role === Role.ADMIN) return user;
  if (hasRole(user.role, Role.DEVELOPER) && user.id === ownerId) return user;
  throw new ForbiddenError(`Only the owner or an admin may change this ${what}`);
}
