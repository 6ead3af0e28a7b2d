// POST /api/uploads: the request body is the file, streamed to disk with its SHA-256 computed
// on the way. The name comes from ?filename= or the x-filename header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DatasetError, datasetErrorHttpStatus } from './datasets.errors.ts';
import type { DatasetsService } from './datasets.service.ts';
import type { RestRoute } from '../http/rest.ts';
import { Role } from '../security/roles.ts';

export const UPLOADS_PATH = '/api/uploads';

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(close ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}

export async function handleUploadRequest(req: IncomingMessage, res: ServerResponse, service: DatasetsService): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    send(res, 405, { error: 'use POST with the file as the request body' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const header = req.headers['x-filename'];
  const filename = url.searchParams.get('filename') ?? (typeof header === 'string' ? decodeURIComponent(header) : '');
  if (!filename) {
    send(res, 400, { error: 'name the file with ?filename=NAME or an x-filename header', code: 'INVALID_DATASET_INPUT' });
    return;
  }
  const length = req.headers['content-length'];
  try {
    const upload = await service.receiveUpload(req, filename, length !== undefined ? Number(length) : undefined);
    send(res, 201, upload);
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    // the client may still be sending; answer now and close the connection
    send(res, datasetErrorHttpStatus(error.code), { error: error.message, code: error.code }, true);
    req.resume();
  }
}

/** The upload endpoint as an authenticated REST route: developers and admins may upload. */
export const uploadRoute: RestRoute = {
  method: 'POST',
  path: UPLOADS_PATH,
  rule: Role.DEVELOPER,
  handle: (req, res, ctx) => handleUploadRequest(req, res, ctx.services.datasets),
};
