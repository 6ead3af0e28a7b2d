// The upload store: received files under uploads/<uploadId> (streamed and hashed on the way,
// never buffered), the content-addressed blobs/sha256/<hash> they become once a dataset uses
// them, and the clean-up of what a crash leaves behind.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { DataSource } from 'typeorm';
import { assertOwnerOrAdmin, type DatasetsActor, newOwnerId } from './dataset-actor.ts';
import { DatasetVersion, Upload } from './datasets.entity.ts';
import { DatasetError } from './datasets.errors.ts';
import { TextTokenizer } from './tokenizer.ts';

/** Largest uploaded tokenizer.json accepted. */
const MAX_TOKENIZER_BYTES = 256 * 1024 * 1024;

export interface UploadStoreOptions {
  uploadsDir: string;
  blobsDir: string;
  /** Largest accepted upload. */
  maxUploadBytes: number;
}

export interface UploadResult {
  id: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
}

/** A finished upload: its bytes are all there and hashed. */
export type CompletedUpload = Upload & { sha256: string };

/** Counts bytes, hashes them and stops at the size limit, without buffering. */
class HashingLimit extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new DatasetError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${this.limit} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters never belong in a stored file name
  return base.replace(/[\u0000-\u001f]/g, '').slice(0, 255) || 'upload';
}

export function statSafeOlderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

export function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export class UploadStore {
  /** Uploads being turned into a dataset right now (by this process). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: UploadStoreOptions,
  ) {}

  /** The received bytes of an upload. */
  path(uploadId: string): string {
    return join(this.options.uploadsDir, uploadId);
  }

  /** Streams a request body to uploads/<id>, hashing it on the way; nothing is held in memory. The actor owns the upload. */
  async receive(actor: DatasetsActor, body: Readable, filename: string, declaredBytes?: number): Promise<UploadResult> {
    const ownerId = newOwnerId(actor, 'Uploading');
    const { maxUploadBytes } = this.options;
    if (declaredBytes !== undefined && declaredBytes > maxUploadBytes) {
      throw new DatasetError('UPLOAD_TOO_LARGE', `upload of ${declaredBytes} bytes exceeds the limit of ${maxUploadBytes} bytes`);
    }
    const repo = this.dataSource.getRepository(Upload);
    const upload: Upload = { id: randomUUID(), status: 'IN_PROGRESS', filename: safeFilename(filename), sizeBytes: 0, sha256: null, ownerId, createdAt: new Date().toISOString() };
    await repo.insert(upload);
    const path = this.path(upload.id);
    const counter = new HashingLimit(maxUploadBytes);
    try {
      await streamPipeline(body, counter, createWriteStream(path));
    } catch (error) {
      rmSync(path, { force: true });
      await repo.delete({ id: upload.id });
      if (error instanceof DatasetError) throw error;
      throw new DatasetError('INVALID_DATASET_INPUT', `upload interrupted: ${(error as Error).message}`);
    }
    const sha256 = counter.hash.digest('hex');
    await repo.update({ id: upload.id }, { status: 'COMPLETED', sizeBytes: counter.bytes, sha256 });
    return { id: upload.id, filename: upload.filename, sizeBytes: counter.bytes, sha256 };
  }

  /** A finished upload the actor may use; UPLOAD_NOT_FOUND otherwise. */
  async completed(actor: DatasetsActor, uploadId: string): Promise<CompletedUpload> {
    const upload = await this.dataSource.getRepository(Upload).findOneBy({ id: uploadId });
    if (!upload || upload.status !== 'COMPLETED' || !upload.sha256) throw new DatasetError('UPLOAD_NOT_FOUND', `no finished upload with id ${uploadId}`);
    assertOwnerOrAdmin(actor, upload.ownerId, 'upload', 'use');
    return upload as CompletedUpload;
  }

  /** An uploaded tokenizer.json of the actor, checked to load; the upload is kept (it may be reused). */
  async readTokenizer(actor: DatasetsActor, uploadId: string): Promise<string> {
    const upload = await this.dataSource.getRepository(Upload).findOneBy({ id: uploadId });
    if (!upload || upload.status !== 'COMPLETED') throw new DatasetError('UPLOAD_NOT_FOUND', `no finished upload with id ${uploadId}`);
    assertOwnerOrAdmin(actor, upload.ownerId, 'upload', 'use');
    if (upload.sizeBytes > MAX_TOKENIZER_BYTES) throw new DatasetError('INVALID_DATASET_INPUT', 'a tokenizer.json larger than 256 MB is not supported');
    const json = readFileSync(this.path(upload.id), 'utf8');
    try {
      new TextTokenizer(json);
    } catch (error) {
      throw new DatasetError('INVALID_DATASET_INPUT', `upload ${uploadId} is not a usable tokenizer.json: ${(error as Error).message}`);
    }
    return json;
  }

  /** Marks an upload as being turned into a dataset; refuses a second use meanwhile. */
  reserve(uploadId: string): void {
    if (this.busy.has(uploadId)) throw new DatasetError('INVALID_DATASET_INPUT', `upload ${uploadId} is already being turned into a dataset`);
    this.busy.add(uploadId);
  }

  release(uploadId: string): void {
    this.busy.delete(uploadId);
  }

  /** Removes a used upload (its row and its bytes). */
  async discard(uploadId: string): Promise<void> {
    await this.dataSource.getRepository(Upload).delete({ id: uploadId });
    rmSync(this.path(uploadId), { force: true });
  }

  /** The bytes of a consumed upload become a content-addressed blob; equal bytes already stored are reused. */
  keepAsBlob(upload: CompletedUpload): void {
    const blob = this.blobPath(upload.sha256);
    if (existsSync(blob)) rmSync(this.path(upload.id), { force: true });
    else renameSync(this.path(upload.id), blob);
  }

  blobPath(sha256: string): string {
    return join(this.options.blobsDir, sha256);
  }

  /** Removes the blobs of these hashes that no dataset version refers to any more. */
  async removeUnusedBlobs(hashes: Iterable<string>): Promise<void> {
    for (const hash of hashes) {
      const stillUsed = await this.dataSource.getRepository(DatasetVersion).countBy({ sourceSha256: hash });
      if (stillUsed === 0) rmSync(this.blobPath(hash), { force: true });
    }
  }

  /** Removes unfinished uploads and files in uploads/ that no upload row names, once older than maxAgeMs; returns how many. */
  async removeStale(maxAgeMs: number): Promise<number> {
    const repo = this.dataSource.getRepository(Upload);
    const uploads = await repo.find();
    const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
    let removed = 0;
    for (const upload of uploads) {
      if (upload.status !== 'COMPLETED' && upload.createdAt < cutoff) {
        rmSync(this.path(upload.id), { force: true });
        await repo.delete({ id: upload.id });
        removed++;
      }
    }
    const known = new Set(uploads.map((u) => u.id));
    for (const name of readdirSafe(this.options.uploadsDir)) {
      if (!known.has(name) && statSafeOlderThan(this.path(name), maxAgeMs)) {
        rmSync(this.path(name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
