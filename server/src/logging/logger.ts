// Structured JSON logs (pino): to stdout, and to <dataDir>/logs/server.log unless disabled.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ServerConfig } from '../config/config.ts';

export type { Logger };

export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', 'server.log');
}

export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logToFile' | 'dataDir'>): Logger {
  const streams: pino.StreamEntry[] = [{ level: config.logLevel, stream: pino.destination({ dest: 1, sync: true }) }];
  if (config.logToFile) {
    mkdirSync(join(config.dataDir, 'logs'), { recursive: true });
    streams.push({ level: config.logLevel, stream: pino.destination({ dest: logFilePath(config.dataDir), mkdir: true, sync: true }) });
  }
  return pino({ level: config.logLevel, base: { service: 'egen' } }, pino.multistream(streams));
}
