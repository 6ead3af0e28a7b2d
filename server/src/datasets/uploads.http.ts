// POST /api/uploads: the request body is the file, streamed to disk with its SHA-256 computed
// on the way. The name comes from ?filename= or the x-filename header. The caller (a DEVELOPER
// or ADMIN, "Authorization: Bearer <token or API key>") owns the upload. Errors have the shape of
// every REST error: { error: { code, message }, requestId }.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../errors/domain-error.ts';
import { type RestRoute, sendDomainError } from '../http/rest.ts';
import type { DatasetsActor, DatasetsService } from './datasets.service.ts';
import { Role } from '../security/roles.ts';

export const UPLOADS_PATH = '/api/uploads';

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(close ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}

function errorBody(code: string, message: string, requestId: string): unknown {
  return { error: { code, message }, requestId };
}

export async function handleUploadRequest(req: IncomingMessage, res: ServerResponse, service: DatasetsService, actor: DatasetsActor, requestId: string): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    send(res, 405, errorBody('METHOD_NOT_ALLOWED', 'use POST with the file as the request body', requestId));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const header = req.headers['x-filename'];
  const filename = url.searchParams.get('filename') ?? (typeof header === 'string' ? decodeURIComponent(header) : '');
  if (!filename) {
    send(res, 400, errorBody('INVALID_DATASET_INPUT', 'name the file with ?filename=NAME or an x-filename header', requestId), !req.readableEnded);
    req.resume();
    return;
  }
  const length = req.headers['content-length'];
  try {
    const upload = await service.receiveUpload(actor, req, filename, length !== undefined ? Number(length) : undefined);
    send(res, 201, upload);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // the client may still be sending; answer now and close the connection
    res.setHeader('connection', 'close');
    sendDomainError(res, error, requestId);
    req.resume();
  }
}

/** The upload endpoint as an authenticated REST route: developers and admins may upload. */
export const uploadRoute: RestRoute = {
  method: 'POST',
  path: UPLOADS_PATH,
  rule: Role.DEVELOPER,
  handle: (req, res, ctx) => handleUploadRequest(req, res, ctx.services.datasets, ctx.principal, ctx.origin.requestId),
};
