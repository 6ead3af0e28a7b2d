// Health, versions and the installation's identity; what /healthz, /readyz and Query.health report.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import * as native from '../../../native/index.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { isDatabaseReachable } from '../db/data-source.ts';
import { InstanceSetting } from './instance-setting.entity.ts';
import type { NativeStatus, ServerHealth } from './system.types.ts';

export const EGEN_VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export function nativeStatus(): NativeStatus {
  try {
    const info = native.version();
    return { loaded: true, libtorchVersion: info.libtorch, cudaAvailable: info.cudaAvailable, devices: info.devices, error: null };
  } catch (error) {
    return { loaded: false, libtorchVersion: null, cudaAvailable: false, devices: [], error: (error as Error).message };
  }
}

export class SystemService {
  private readonly startedAt = Date.now();
  private instanceId: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly databaseEngine: 'sqlite' | 'postgres',
  ) {}

  /** Reads the installation id, creating it on first start. */
  async ensureInstanceId(): Promise<string> {
    if (this.instanceId) return this.instanceId;
    const repo = this.dataSource.getRepository(InstanceSetting);
    const existing = await repo.findOneBy({ key: 'instance_id' });
    if (existing) return (this.instanceId = existing.value);
    const created = { key: 'instance_id', value: randomUUID(), updatedAt: new Date().toISOString() };
    await repo.save(created);
    return (this.instanceId = created.value);
  }

  async health(): Promise<ServerHealth> {
    const databaseReachable = await isDatabaseReachable(this.dataSource);
    const nativeInfo = nativeStatus();
    return {
      status: databaseReachable && nativeInfo.loaded ? 'ok' : 'degraded',
      version: EGEN_VERSION,
      nodeVersion: process.version,
      databaseEngine: this.databaseEngine,
      databaseReachable,
      native: nativeInfo,
      instanceId: this.instanceId ?? (databaseReachable ? await this.ensureInstanceId() : 'unknown'),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }
}
