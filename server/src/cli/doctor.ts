// `egen doctor`: what this installation found — Node, libtorch, CUDA devices, database, data dir.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/config.ts';
import { describeDatabase, openDatabase } from '../db/data-source.ts';
import { ADDON_PATH } from '../../../native/index.ts';
import { cachedLibtorchLocation } from '../../../scripts/libtorch.ts';
import { nativeStatus, EGEN_VERSION } from '../system/system.service.ts';
import type { CliCommand } from './command.ts';

export const doctorCommand: CliCommand = {
  path: ['doctor'],
  summary: 'Check the installation: Node, libtorch, CUDA devices, database, data directory',
  usage: 'egen doctor [--data-dir DIR] [--database-url URL]\n\nExits non-zero when something EGen needs is missing.',
  async run(args, io) {
    let problems = 0;
    const line = (ok: boolean, label: string, detail: string): void => {
      if (!ok) problems++;
      io.out(`${ok ? 'ok  ' : 'FAIL'}  ${label.padEnd(12)} ${detail}`);
    };
    io.out(`EGen ${EGEN_VERSION}`);
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    line(major > 20 || (major === 20 && minor >= 19), 'node', `${process.version} (needs >= 20.19)`);

    const native = nativeStatus();
    const location = cachedLibtorchLocation();
    const where = location ? ` from ${location.libDir} (${location.source})` : '';
    line(native.loaded, 'libtorch', native.loaded ? `${native.libtorchVersion}${where}, addon ${ADDON_PATH}` : (native.error ?? 'not loaded'));
    const cudaDevices = native.devices.filter((d) => d.type === 'cuda');
    io.out(`info  ${'cuda'.padEnd(12)} ${native.cudaAvailable ? cudaDevices.map((d) => `cuda:${d.index} ${d.name} (${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB)`).join(', ') : 'no CUDA device; training runs on the CPU'}`);

    let config;
    try {
      config = loadConfig(args, io.env);
    } catch (error) {
      if (error instanceof ConfigError) {
        line(false, 'config', error.message);
        return 1;
      }
      throw error;
    }
    line(true, 'data dir', `${config.dataDir}${existsSync(config.dataDir) ? '' : ' (created on first start)'}`);
    try {
      const { dataSource } = await openDatabase(config.database);
      await dataSource.destroy();
      line(true, 'database', describeDatabase(config.database));
    } catch (error) {
      line(false, 'database', (error as Error).message);
    }
    return problems === 0 ? 0 : 1;
  },
};
