// Extraction of uploaded model archives: tar, tar.gz and zip stream into a folder; paths out of
// the folder, links, and archives that expand past the limit are refused (a gzip bomb stops at
// the limit, not when the disk is full).
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveError, extractArchive } from './archive.ts';
import { packFolder } from './pack-folder.ts';

const work = mkdtempSync(join(tmpdir(), 'egen-archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMITS = { maxBytes: 1 << 20, maxEntries: 100 };

async function tarGz(name: string, entries: Array<{ header: Parameters<ReturnType<typeof tarPack>['entry']>[0]; body?: Buffer }>): Promise<string> {
  const pack = tarPack();
  for (const e of entries) {
    if (e.body) pack.entry(e.header, e.body);
    else pack.entry(e.header);
  }
  pack.finalize();
  const out = join(work, name);
  await pipeline(pack, createGzip(), createWriteStream(out));
  return out;
}

function freshDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
}

describe('extractArchive', () => {
  it('extracts tar.gz and zip of a folder (packed on the fly) with the same files', async () => {
    const src = freshDir('src');
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'config.json'), '{"model_type":"gpt2"}');
    writeFileSync(join(src, 'sub', 'weights.bin'), Buffer.alloc(70_000, 7));
    for (const format of ['tar.gz', 'zip'] as const) {
      const archive = join(work, `src.${format}`);
      await pipeline(packFolder(src, format), createWriteStream(archive));
      const out = freshDir(`out-${format}`);
      const result = await extractArchive(archive, out, LIMITS);
      expect(result).toMatchObject({ format, bytes: 70_000 + 21 });
      expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"model_type":"gpt2"}');
      expect(readFileSync(join(out, 'sub', 'weights.bin')).equals(Buffer.alloc(70_000, 7))).toBe(true);
    }
  });

  it('stops a gzip bomb at the expansion limit', async () => {
    const bomb = await tarGz('bomb.tar.gz', [{ header: { name: 'zeros.bin', size: 8 << 20 }, body: Buffer.alloc(8 << 20) }]);
    const out = freshDir('out-bomb');
    await expect(extractArchive(bomb, out, LIMITS)).rejects.toThrow(new ArchiveError(`archive expands beyond the limit of ${1 << 20} bytes (at "zeros.bin")`));
  });

  it('refuses too many entries, hard links and device files', async () => {
    const many = await tarGz(
      'many.tar.gz',
      Array.from({ length: 5 }, (_, i) => ({ header: { name: `f${i}` }, body: Buffer.from('x') })),
    );
    await expect(extractArchive(many, freshDir('out-many'), { ...LIMITS, maxEntries: 3 })).rejects.toThrow(/more than 3 entries \(at "f3"\)/);
    const link = await tarGz('link.tar.gz', [{ header: { name: 'config.json', type: 'link', linkname: '/etc/passwd' } }]);
    await expect(extractArchive(link, freshDir('out-link'), LIMITS)).rejects.toThrow(/archive entry "config\.json" is a link; only files and folders are accepted/);
    const device = await tarGz('device.tar.gz', [{ header: { name: 'dev', type: 'character-device' } }]);
    await expect(extractArchive(device, freshDir('out-device'), LIMITS)).rejects.toThrow(/is a character-device/);
  });

  it('refuses absolute paths and what is not an archive', async () => {
    const absolute = await tarGz('abs.tar.gz', [{ header: { name: '/tmp/evil' }, body: Buffer.from('x') }]);
    await expect(extractArchive(absolute, freshDir('out-abs'), LIMITS)).rejects.toThrow(/"\/tmp\/evil" points outside the archive's folder/);
    const text = join(work, 'plain.txt');
    writeFileSync(text, 'not an archive');
    await expect(extractArchive(text, freshDir('out-text'), LIMITS)).rejects.toThrow('is not a tar, tar.gz or zip archive');
  });
});
