// Unpacks an artifact's tar.gz download as it streams in (the CLI's `egen export --out DIR`), then
// checks every file against manifest.json's SHA-256. Entry names that would leave DIR are refused.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

/** A path inside the target folder for an archive entry name, or an error naming the entry. */
export function safeEntryPath(dir: string, name: string): string {
  const clean = normalize(name);
  if (isAbsolute(clean) || clean.split(/[\\/]/).includes('..')) throw new Error(`the archive entry "${name}" points outside the target folder`);
  return join(dir, clean);
}

/** Writes every file of a tar.gz stream into `dir`; returns the names written. */
export async function unpackTarGz(source: Readable, dir: string): Promise<string[]> {
  const names: string[] = [];
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    let path: string;
    try {
      path = safeEntryPath(dir, header.name);
    } catch (error) {
      tar.destroy(error as Error);
      return;
    }
    mkdirSync(dirname(path), { recursive: true });
    names.push(header.name);
    pipeline(stream, createWriteStream(path)).then(() => next(), next);
  });
  await pipeline(source, createGunzip(), tar);
  return names;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Checks the files of an unpacked artifact against its manifest.json; throws naming the first mismatch. */
export async function verifyUnpacked(dir: string): Promise<{ files: Array<{ name: string; bytes: number; sha256: string }> }> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ name: string; bytes: number; sha256: string }> };
  for (const file of manifest.files) {
    const actual = await sha256Of(safeEntryPath(dir, file.name));
    if (actual !== file.sha256) throw new Error(`${file.name}: SHA-256 ${actual} does not match the manifest's ${file.sha256}`);
  }
  return manifest;
}
