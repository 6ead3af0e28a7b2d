// GET /api/artifacts/:id/download?archive=zip|tar.gz: an artifact's files and manifest.json as one
// archive, streamed from disk as it is read (never held in memory). Anyone who may read the version
// (any signed-in user, "Authorization: Bearer <token or API key>") may download its artifacts.
// The zip stores the files as they are (weights barely compress, and storing keeps downloads fast).
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { ZipArchive, TarArchive, type Archiver } from 'archiver';
import { NotFoundError, ValidationError } from '../../errors/domain-error.ts';
import type { RestRoute } from '../../http/rest.ts';
import { Role } from '../../security/roles.ts';
import { ArtifactStatus } from './artifact.entity.ts';
import { MANIFEST_FILE } from './export-job.ts';

export const ARTIFACT_DOWNLOAD_ROUTE = '/api/artifacts/:id/download';

/** The archive formats a download offers, with their file suffix and media type. */
export const ARCHIVE_FORMATS = {
  zip: { suffix: '.zip', contentType: 'application/zip' },
  'tar.gz': { suffix: '.tar.gz', contentType: 'application/gzip' },
} as const;
export type ArchiveFormat = keyof typeof ARCHIVE_FORMATS;

export function artifactDownloadPath(id: string): string {
  return ARTIFACT_DOWNLOAD_ROUTE.replace(':id', encodeURIComponent(id));
}

function archiveOf(format: ArchiveFormat): Archiver {
  return format === 'zip' ? new ZipArchive({ store: true }) : new TarArchive({ gzip: true, gzipOptions: { level: 6 } });
}

export const artifactDownloadRoute: RestRoute = {
  method: 'GET',
  path: ARTIFACT_DOWNLOAD_ROUTE,
  rule: Role.VIEWER,
  async handle(req, res, ctx) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const archive = url.searchParams.get('archive') ?? 'zip';
    if (!(archive in ARCHIVE_FORMATS)) throw ValidationError.single('archive', `must be zip or tar.gz (got ${JSON.stringify(archive)})`);
    const format = ARCHIVE_FORMATS[archive as ArchiveFormat];
    const service = ctx.services.artifacts;
    const artifact = await service.get(ctx.params.id!);
    if (service.status(artifact) === ArtifactStatus.MISSING) throw new NotFoundError('ModelArtifact files', artifact.id);
    const version = await ctx.services.models.findVersion(artifact.versionId);
    const model = version ? await ctx.services.models.find(version.modelId) : null;
    const stem = `${(model?.name ?? 'model').replace(/[^A-Za-z0-9._-]+/g, '-')}-v${version?.version ?? 0}-${artifact.format.toLowerCase()}-${artifact.sha256.slice(0, 8)}`;
    res.writeHead(200, {
      'content-type': format.contentType,
      'content-disposition': `attachment; filename="${stem}${format.suffix}"`,
      'cache-control': 'no-store',
      'x-artifact-sha256': artifact.sha256,
      'x-artifact-bytes': String(artifact.totalBytes),
    });
    const dir = service.directory(artifact);
    const stream = archiveOf(archive as ArchiveFormat);
    const done = new Promise<void>((resolve) => {
      res.once('close', resolve);
      stream.once('error', (error) => {
        ctx.logger.error({ err: error, artifactId: artifact.id }, 'artifact download failed mid-stream');
        res.destroy(error);
      });
    });
    // A client that goes away stops the reading.
    res.once('close', () => {
      if (!res.writableFinished) stream.abort();
    });
    stream.pipe(res);
    for (const name of [MANIFEST_FILE, ...artifact.files.map((f) => f.name)]) stream.append(createReadStream(join(dir, name)), { name });
    await stream.finalize().catch(() => {});
    await done;
  },
};
