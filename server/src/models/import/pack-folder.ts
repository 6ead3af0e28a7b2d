// Packs a model folder as a tar.gz stream on the fly (the CLI uploads a directory this way; the
// tests build archives with it). Nothing is written to disk.
import type { Readable } from 'node:stream';
import { TarArchive, ZipArchive } from 'archiver';

/** A stream of `dir` as a tar.gz (or zip) archive with the folder's files at its top. */
export function packFolder(dir: string, format: 'tar.gz' | 'zip' = 'tar.gz'): Readable {
  const archive = format === 'zip' ? new ZipArchive({ zlib: { level: 1 } }) : new TarArchive({ gzip: true, gzipOptions: { level: 1 } });
  archive.directory(dir, false);
  void archive.finalize();
  return archive;
}
