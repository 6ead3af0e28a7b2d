// First start: when there is no user yet, create an admin — from EGEN_ADMIN_EMAIL /
// EGEN_ADMIN_PASSWORD when set, otherwise with a random password that is printed once and
// written to <dataDir>/initial-admin-password.txt (0600).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { generatePassword } from '../auth/passwords.ts';
import { User } from '../auth/user.entity.ts';
import type { Logger } from '../logging/logger.ts';
import { Role } from '../security/roles.ts';
import type { UserAdminService } from './user-admin.service.ts';

export const DEFAULT_ADMIN_EMAIL = 'admin@egen.local';

export function initialPasswordPath(dataDir: string): string {
  return join(dataDir, 'initial-admin-password.txt');
}

export interface InitialAdmin {
  email?: string | undefined;
  password?: string | undefined;
}

/** Returns the created admin's email, or null when users already exist. */
export async function ensureInitialAdmin(dataSource: DataSource, users: UserAdminService, dataDir: string, initial: InitialAdmin, logger: Logger, print: (text: string) => void = (t) => process.stdout.write(t)): Promise<string | null> {
  if ((await dataSource.getRepository(User).count()) > 0) return null;
  const email = initial.email ?? DEFAULT_ADMIN_EMAIL;
  const generated = !initial.password;
  const password = initial.password ?? generatePassword();
  try {
    await users.create({ kind: 'system' }, { email, password, role: Role.ADMIN }, null);
  } catch (error) {
    // Another server sharing the database created it first.
    if ((await dataSource.getRepository(User).count()) > 0) return null;
    throw error;
  }
  if (generated) {
    const file = initialPasswordPath(dataDir);
    writeFileSync(file, `email: ${email}\npassword: ${password}\n`, { mode: 0o600 });
    print(`\nEGen created the first admin account.\n  email:    ${email}\n  password: ${password}\n(also saved to ${file}, readable only by you; change it after signing in)\n\n`);
  }
  logger.info({ email, generatedPassword: generated }, 'created the initial admin account');
  return email;
}

/** The id of the admin created first (the one the first start made), or null when there is none. */
export async function firstAdminId(dataSource: DataSource): Promise<string | null> {
  const admin = await dataSource.getRepository(User).findOne({ where: { role: Role.ADMIN }, order: { createdAt: 'ASC', id: 'ASC' } });
  return admin?.id ?? null;
}
