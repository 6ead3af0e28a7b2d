// Password hashing with argon2id (OWASP's minimum: 19 MiB memory, 2 iterations, 1 lane).
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ValidationError } from '../errors/domain-error.ts';

// algorithm 2 is Argon2id (a const enum in the typings, which isolatedModules cannot read).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** Throws a field-level error when the password is too short or too long. */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw ValidationError.single(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw ValidationError.single(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** A readable random password: 24 characters from base64url. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so both cases take the same time.
let dummyHash: Promise<string> | null = null;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('egen-dummy-password');
  await verifyPassword(await dummyHash, password);
}
