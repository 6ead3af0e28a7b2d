import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from './config.ts';

describe('loadConfig', () => {
  it('defaults: port 3000 on 127.0.0.1, ./data, SQLite inside it, info logs', () => {
    const config = loadConfig([], {}, '/srv/egen');
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', dataDir: '/srv/egen/data', logLevel: 'info', devMode: false, logToFile: true });
    expect(config.database).toEqual({ engine: 'sqlite', path: '/srv/egen/data/egen.sqlite' });
  });

  it('flags win over the environment', () => {
    const config = loadConfig(['--port', '4000', '--data-dir=/var/egen'], { EGEN_PORT: '5000', EGEN_DATA_DIR: '/tmp/x' }, '/');
    expect(config.port).toBe(4000);
    expect(config.dataDir).toBe('/var/egen');
  });

  it('DATABASE_URL selects PostgreSQL', () => {
    expect(loadConfig([], { DATABASE_URL: 'postgres://u:p@db:5432/egen' }).database).toEqual({ engine: 'postgres', url: 'postgres://u:p@db:5432/egen' });
  });

  it.each([
    [{ EGEN_PORT: 'abc' }, 'EGEN_PORT must be an integer between 1 and 65535 (got "abc")'],
    [{ EGEN_PORT: '70000' }, 'EGEN_PORT must be an integer between 1 and 65535 (got "70000")'],
    [{ EGEN_PORT: '30.5' }, 'EGEN_PORT must be an integer between 1 and 65535 (got "30.5")'],
    [{ EGEN_LOG_LEVEL: 'loud' }, 'EGEN_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "loud")'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL must use the postgres:// scheme (got "mysql:"); leave it unset for the embedded SQLite database'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL like postgres://user:password@host:5432/database (got "not a url")'],
    [{ DATABASE_URL: 'postgres://u:p@db:5432' }, 'DATABASE_URL must name a database, e.g. postgres://host:5432/egen'],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig([], env)).toThrow(new ConfigError(message));
  });

  it('names the flag when the flag is wrong, and rejects unknown flags', () => {
    expect(() => loadConfig(['--port', '0'])).toThrow('--port must be an integer between 1 and 65535 (got "0")');
    expect(() => loadConfig(['--prot', '1'])).toThrow(/^unknown option --prot; expected one of --port/);
    expect(() => loadConfig(['--port'])).toThrow('--port needs a value');
  });

  it('reads the job settings EGEN_JOB_CONCURRENCY and EGEN_JOB_STALE_MS, refusing anything but a positive integer', () => {
    expect(loadConfig([], {}).jobs).toBeUndefined();
    expect(loadConfig([], { EGEN_JOB_CONCURRENCY: '3', EGEN_JOB_STALE_MS: '5000' }).jobs).toEqual({ concurrency: 3, staleAfterMs: 5000 });
    expect(() => loadConfig([], { EGEN_JOB_CONCURRENCY: '0' })).toThrow(new ConfigError('EGEN_JOB_CONCURRENCY must be a positive integer (got "0")'));
    expect(() => loadConfig([], { EGEN_JOB_STALE_MS: '1.5' })).toThrow(new ConfigError('EGEN_JOB_STALE_MS must be a positive integer (got "1.5")'));
  });

  it('hides passwords in URLs', () => {
    expect(redactUrl('postgres://egen:s3cret@db:5432/egen')).toBe('postgres://egen:***@db:5432/egen');
  });
});

describe('loadConfig: first admin and signing key', () => {
  it('reads EGEN_ADMIN_EMAIL, EGEN_ADMIN_PASSWORD and EGEN_JWT_SECRET', () => {
    const config = loadConfig([], { EGEN_ADMIN_EMAIL: 'root@example.com', EGEN_ADMIN_PASSWORD: 'long-enough', EGEN_JWT_SECRET: 'x'.repeat(32) }, '/srv');
    expect(config.initialAdmin).toEqual({ email: 'root@example.com', password: 'long-enough' });
    expect(config.jwtSecret).toBe('x'.repeat(32));
  });

  it('refuses a bad admin email, a short admin password and a short signing key, naming the variable', () => {
    expect(() => loadConfig([], { EGEN_ADMIN_EMAIL: 'root' })).toThrow(/^EGEN_ADMIN_EMAIL must be an email address/);
    expect(() => loadConfig([], { EGEN_ADMIN_PASSWORD: 'short' })).toThrow(/^EGEN_ADMIN_PASSWORD must be at least 8 characters/);
    expect(() => loadConfig([], { EGEN_JWT_SECRET: 'short' })).toThrow(/^EGEN_JWT_SECRET must be at least 32 characters/);
  });
});
