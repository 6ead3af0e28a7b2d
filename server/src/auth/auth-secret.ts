// The HS256 signing key: 32 random bytes in <dataDir>/secrets/jwt-hs256.key (0600), made on
// first start. Several servers sharing a database must share this file (or EGEN_JWT_SECRET).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function jwtSecretPath(dataDir: string): string {
  return join(dataDir, 'secrets', 'jwt-hs256.key');
}

export function loadOrCreateJwtSecret(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) {
    const secret = Buffer.from(fromEnv, 'utf8');
    if (secret.length < 32) throw new Error('EGEN_JWT_SECRET must be at least 32 characters');
    return secret;
  }
  const path = jwtSecretPath(dataDir);
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  // 'wx' fails when another process created it first; then use theirs.
  try {
    writeFileSync(path, secret.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    throw error;
  }
  chmodSync(path, 0o600);
  return secret;
}
