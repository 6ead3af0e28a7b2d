// Server configuration from flags and environment, validated once at start.
// A wrong value raises ConfigError naming the variable (or flag) and what is expected.
import { isAbsolute, resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export type DatabaseConfig = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface ServerConfig {
  /** TCP port for HTTP and WebSocket. Defaults to 3000. */
  port: number;
  /** Interface to listen on. Defaults to 127.0.0.1. */
  host: string;
  /** Everything EGen writes lives here. Defaults to ./data. */
  dataDir: string;
  database: DatabaseConfig;
  /** Defaults to info. */
  logLevel: LogLevel;
  /** Also log to <dataDir>/logs/server.log. Defaults to true. */
  logToFile: boolean;
  /** Serve the client through Vite's dev server with hot reload. Defaults to false. */
  devMode: boolean;
  /** Largest accepted upload in bytes (EGEN_MAX_UPLOAD_BYTES). Defaults to 20 GiB. */
  maxUploadBytes?: number;
  /** The admin created on first start (EGEN_ADMIN_EMAIL, EGEN_ADMIN_PASSWORD). Defaults to admin@egen.local with a random password. */
  initialAdmin?: { email?: string | undefined; password?: string | undefined };
  /** HS256 signing key (EGEN_JWT_SECRET, 32+ characters). Defaults to a key generated into <dataDir>/secrets. */
  jwtSecret?: string | undefined;
  /** Token lifetimes. Defaults to 15 minutes (access) and 30 days (refresh). */
  auth?: { accessTokenTtlSeconds?: number; refreshTokenTtlSeconds?: number };
  /**
   * The training runner: runs at once per device (EGEN_RUN_CONCURRENCY, defaults to 1), intra-op
   * threads per run (EGEN_TRAIN_THREADS, defaults to libtorch's), and after how long without a
   * heartbeat a held run is taken over (EGEN_RUN_STALE_MS, defaults to 30000).
   */
  training?: { concurrency?: number; threads?: number; staleAfterMs?: number };
  /**
   * Background jobs (exports, dataset builds, ...): jobs run at once by this process
   * (EGEN_JOB_CONCURRENCY, defaults to 2) and after how long without a heartbeat a held job is
   * recovered (EGEN_JOB_STALE_MS, defaults to 30000).
   */
  jobs?: { concurrency?: number; staleAfterMs?: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Flag name → environment variable; a flag wins over the environment. */
const SETTINGS = {
  port: { flag: '--port', env: 'EGEN_PORT' },
  host: { flag: '--host', env: 'EGEN_HOST' },
  dataDir: { flag: '--data-dir', env: 'EGEN_DATA_DIR' },
  databaseUrl: { flag: '--database-url', env: 'DATABASE_URL' },
  logLevel: { flag: '--log-level', env: 'EGEN_LOG_LEVEL' },
  maxUploadBytes: { flag: '--max-upload-bytes', env: 'EGEN_MAX_UPLOAD_BYTES' },
} as const;
const BOOLEAN_FLAGS = ['--dev-mode', '--no-log-file'] as const;

function parseFlags(argv: readonly string[]): { values: Map<string, string>; booleans: Set<string> } {
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const valued: string[] = Object.values(SETTINGS).map((s) => s.flag);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      booleans.add(name);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new ConfigError(`${name} needs a value`);
      values.set(name, value);
    } else {
      throw new ConfigError(`unknown option ${name}; expected one of ${[...valued, ...BOOLEAN_FLAGS].join(', ')}`);
    }
  }
  return { values, booleans };
}

function parsePort(raw: string, source: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${source} must be an integer between 1 and 65535 (got "${raw}")`);
  }
  return port;
}

function parseDatabaseUrl(raw: string, source: string): DatabaseConfig {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${source} must be a URL like postgres://user:password@host:5432/database (got "${redactUrl(raw)}")`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${source} must use the postgres:// scheme (got "${url.protocol}"); leave it unset for the embedded SQLite database`);
  }
  if (!url.pathname || url.pathname === '/') throw new ConfigError(`${source} must name a database, e.g. postgres://host:5432/egen`);
  return { engine: 'postgres', url: raw };
}

/** Hides the password of a connection URL for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return raw.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}

/** Reads and validates the configuration; throws ConfigError with one clear line. */
export function loadConfig(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const { values, booleans } = parseFlags(argv);
  const read = (key: keyof typeof SETTINGS): { raw: string; source: string } | null => {
    const setting = SETTINGS[key];
    const fromFlag = values.get(setting.flag);
    if (fromFlag !== undefined) return { raw: fromFlag, source: setting.flag };
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, source: setting.env };
    return null;
  };

  const portValue = read('port');
  const port = portValue ? parsePort(portValue.raw, portValue.source) : 3000;

  const hostValue = read('host');
  const host = hostValue ? hostValue.raw.trim() : '127.0.0.1';
  if (!host) throw new ConfigError(`${hostValue!.source} must be a host name or IP address`);

  const dataDirValue = read('dataDir');
  const dataDir = dataDirValue ? (isAbsolute(dataDirValue.raw) ? dataDirValue.raw : resolve(cwd, dataDirValue.raw)) : resolve(cwd, 'data');

  const dbValue = read('databaseUrl');
  const database: DatabaseConfig = dbValue ? parseDatabaseUrl(dbValue.raw, dbValue.source) : { engine: 'sqlite', path: resolve(dataDir, 'egen.sqlite') };

  const levelValue = read('logLevel');
  const logLevel = (levelValue?.raw.trim().toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`${levelValue!.source} must be one of ${LOG_LEVELS.join(', ')} (got "${levelValue!.raw}")`);
  }

  const maxUploadValue = read('maxUploadBytes');
  let maxUploadBytes: number | undefined;
  if (maxUploadValue) {
    maxUploadBytes = Number(maxUploadValue.raw);
    if (!/^\d+$/.test(maxUploadValue.raw.trim()) || !Number.isSafeInteger(maxUploadBytes) || maxUploadBytes < 1) {
      throw new ConfigError(`${maxUploadValue.source} must be a positive number of bytes (got "${maxUploadValue.raw}")`);
    }
  }
  const adminEmail = env.EGEN_ADMIN_EMAIL?.trim() || undefined;
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) throw new ConfigError(`EGEN_ADMIN_EMAIL must be an email address (got "${adminEmail}")`);
  const adminPassword = env.EGEN_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) throw new ConfigError('EGEN_ADMIN_PASSWORD must be at least 8 characters');
  const jwtSecret = env.EGEN_JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) throw new ConfigError('EGEN_JWT_SECRET must be at least 32 characters');

  const training: NonNullable<ServerConfig['training']> = {};
  for (const [key, name] of [
    ['concurrency', 'EGEN_RUN_CONCURRENCY'],
    ['threads', 'EGEN_TRAIN_THREADS'],
    ['staleAfterMs', 'EGEN_RUN_STALE_MS'],
  ] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer (got "${raw}")`);
    training[key] = value;
  }
  const jobs: NonNullable<ServerConfig['jobs']> = {};
  for (const [key, name] of [
    ['concurrency', 'EGEN_JOB_CONCURRENCY'],
    ['staleAfterMs', 'EGEN_JOB_STALE_MS'],
  ] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer (got "${raw}")`);
    jobs[key] = value;
  }

  return {
    port,
    host,
    dataDir,
    database,
    logLevel,
    logToFile: !booleans.has('--no-log-file'),
    devMode: booleans.has('--dev-mode'),
    ...(maxUploadBytes !== undefined ? { maxUploadBytes } : {}),
    initialAdmin: { email: adminEmail, password: adminPassword },
    jwtSecret,
    ...(Object.keys(training).length ? { training } : {}),
    ...(Object.keys(jobs).length ? { jobs } : {}),
  };
}
