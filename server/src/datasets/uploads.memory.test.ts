// A 1 GB upload streams through the server: its memory stays flat (peak RSS growth < 100 MB).
// The body is generated on the fly, so no 1 GB file is written first.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';

const TOTAL = 1024 ** 3;
const CHUNK = 64 * 1024;

function generated(): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(CHUNK);
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= TOTAL) return this.push(null);
      // vary the bytes a little so the content is not one repeated block
      chunk.writeUInt32LE(sent / CHUNK, 0);
      chunk.fill(97 + ((sent / CHUNK) % 26), 4, 64);
      const copy = Buffer.from(chunk);
      hash.update(copy);
      sent += CHUNK;
      this.push(copy);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

describe.each(ENGINES)('a 1 GB upload on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine);
  });
  afterAll(async () => t?.stop());

  it('keeps peak RSS growth under 100 MB and hashes correctly', async () => {
    // warm up the upload path first (32 MB), so one-time allocations (lazily loaded code, thread
    // pool and allocator arenas) do not count as growth; what is measured is growth with size
    const authorization = `Bearer ${t.admin.token}`;
    expect((await fetch(`${t.httpUrl}/api/uploads?filename=warm.txt`, { method: 'POST', headers: { authorization }, body: new Uint8Array(32 * 1024 * 1024) })).status).toBe(201);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const body = generated();
    const response = await new Promise<{ status: number; json: { id: string; sizeBytes: number; sha256: string } }>((resolve, reject) => {
      const req = request(`${t.httpUrl}/api/uploads?filename=big.txt`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', authorization } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      body.stream.pipe(req);
    });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(response.status).toBe(201);
    expect(response.json.sizeBytes).toBe(TOTAL);
    expect(response.json.sha256).toBe(body.digest());
    const path = join(t.dataDir, 'uploads', response.json.id);
    expect(existsSync(path) && statSync(path).size).toBe(TOTAL);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`[1 GB upload on ${engine}] peak RSS growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(100);
  }, 180_000);
});
