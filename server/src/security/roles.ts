// The three roles, ordered: ADMIN > DEVELOPER > VIEWER. A higher role may do all a lower one may.
import { registerEnumType } from 'type-graphql';

export enum Role {
  ADMIN = 'ADMIN',
  DEVELOPER = 'DEVELOPER',
  VIEWER = 'VIEWER',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'ADMIN manages users and everything; DEVELOPER creates and changes what they own; VIEWER reads',
  valuesConfig: {
    ADMIN: { description: 'Everything, including users, API keys of others and the audit log' },
    DEVELOPER: { description: 'Reads everything; creates, changes and deletes what they own' },
    VIEWER: { description: 'Reads only' },
  },
});

const RANK: Record<Role, number> = { [Role.VIEWER]: 1, [Role.DEVELOPER]: 2, [Role.ADMIN]: 3 };

export const ALL_ROLES: readonly Role[] = [Role.ADMIN, Role.DEVELOPER, Role.VIEWER];

/** True when `actual` is `required` or above. */
export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

/** The lower of two roles (an API key never exceeds its owner's current role). */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

export function isRole(value: string): value is Role {
  return (ALL_ROLES as readonly string[]).includes(value);
}
