// Streaming extraction of an uploaded model archive (tar, tar.gz or zip) into a folder. Entries
// are written one at a time as they stream by; the archive is refused — and the caller removes
// the folder — on a path that leaves the folder (absolute, "..", a drive letter), on links and
// other non-regular entries, and once the expanded bytes or the entry count pass their limits
// (a zip bomb stops at the limit, not when the disk is full).
import { createReadStream, createWriteStream, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import yauzl from 'yauzl';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

export interface ExtractLimits {
  /** Most bytes the archive may expand to. */
  maxBytes: number;
  /** Most entries (files and folders). */
  maxEntries: number;
  signal?: AbortSignal;
  /** Called with the bytes written so far. */
  onBytes?: (bytes: number) => void;
}

/** A problem with the archive itself; the message names the entry. */
export class ArchiveError extends Error {}

/** The archive format from the first bytes of the file (names lie; magic numbers rarely do). */
export function sniffArchive(path: string): ArchiveFormat | null {
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (n >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (n >= 512 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return null;
}

/** The path inside `root` an entry name stands for; refuses names that would leave it. */
function safeTarget(root: string, name: string): string {
  const clean = name.replace(/\\/g, '/');
  if (clean.startsWith('/') || /^[a-zA-Z]:/.test(clean) || clean.split('/').includes('..') || clean.includes('\0')) throw new ArchiveError(`archive entry "${name}" points outside the archive's folder`);
  const target = resolve(root, clean);
  if (target !== root && !target.startsWith(root + sep)) throw new ArchiveError(`archive entry "${name}" points outside the archive's folder`);
  return target;
}

/** Counts bytes across all entries and stops at the limit. */
class Budget {
  bytes = 0;
  entries = 0;
  constructor(private readonly limits: ExtractLimits) {}

  entry(name: string): void {
    this.limits.signal?.throwIfAborted();
    if (++this.entries > this.limits.maxEntries) throw new ArchiveError(`archive has more than ${this.limits.maxEntries} entries (at "${name}")`);
  }

  meter(name: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done: TransformCallback) => {
        this.bytes += chunk.length;
        if (this.bytes > this.limits.maxBytes) return done(new ArchiveError(`archive expands beyond the limit of ${this.limits.maxBytes} bytes (at "${name}")`));
        this.limits.onBytes?.(this.bytes);
        done(null, chunk);
      },
    });
  }
}

async function writeEntry(budget: Budget, root: string, name: string, body: AsyncIterable<unknown>): Promise<void> {
  const target = safeTarget(root, name);
  mkdirSync(dirname(target), { recursive: true });
  await pipeline(body, budget.meter(name), createWriteStream(target, { flags: 'wx' }));
}

async function extractTar(path: string, root: string, gzip: boolean, budget: Budget): Promise<void> {
  const extract = tarExtract();
  const source = createReadStream(path);
  const unreadable = (error: Error): Error => (error instanceof ArchiveError || error.name === 'AbortError' ? error : new ArchiveError(`is not a readable ${gzip ? 'tar.gz' : 'tar'} archive: ${error.message}`));
  const done = pipeline(gzip ? [source, createGunzip(), extract] : [source, extract]);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      budget.entry(name);
      if (type === 'directory') {
        mkdirSync(safeTarget(root, name), { recursive: true });
        entry.resume();
      } else if (type === 'file' || type === 'contiguous-file') {
        await writeEntry(budget, root, name, entry);
      } else {
        throw new ArchiveError(`archive entry "${name}" is a ${type ?? 'special entry'}; only files and folders are accepted`);
      }
    }
    await done;
  } catch (error) {
    source.destroy();
    await done.catch(() => undefined);
    throw unreadable(error as Error);
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((ok, fail) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => (error ? fail(new ArchiveError(`not a readable zip archive: ${error.message}`)) : ok(zip))),
  );
}

async function extractZip(path: string, root: string, budget: Budget): Promise<void> {
  const zip = await openZip(path);
  try {
    await new Promise<void>((ok, fail) => {
      zip.on('error', (error: Error) => fail(error instanceof ArchiveError ? error : new ArchiveError(`not a readable zip archive: ${error.message}`)));
      zip.on('end', () => ok());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          budget.entry(name);
          // Unix mode in the high 16 bits of the external attributes: refuse links and specials.
          const kind = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (name.endsWith('/')) {
            mkdirSync(safeTarget(root, name), { recursive: true });
          } else if (kind !== 0 && kind !== 0o100000) {
            throw new ArchiveError(`archive entry "${name}" is a link or special file; only files and folders are accepted`);
          } else {
            const body = await new Promise<Readable>((ok2, fail2) => zip.openReadStream(entry, (error, stream) => (error ? fail2(new ArchiveError(`archive entry "${name}" cannot be read: ${error.message}`)) : ok2(stream))));
            await writeEntry(budget, root, name, body);
          }
          zip.readEntry();
        })().catch(fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Extracts the archive at `path` into the existing, empty folder `root`. */
export async function extractArchive(path: string, root: string, limits: ExtractLimits): Promise<{ format: ArchiveFormat; bytes: number; entries: number }> {
  const format = sniffArchive(path);
  if (!format) throw new ArchiveError('is not a tar, tar.gz or zip archive');
  const budget = new Budget(limits);
  const absolute = resolve(root);
  if (format === 'zip') await extractZip(path, absolute, budget);
  else await extractTar(path, absolute, format === 'tar.gz', budget);
  return { format, bytes: budget.bytes, entries: budget.entries };
}
