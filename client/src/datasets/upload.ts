// POST /api/uploads with XMLHttpRequest, for upload progress and abort.
import { accessToken } from '../auth/session.ts';

export interface UploadResult {
  id: string;
  sha256: string;
  sizeBytes: number;
}

export interface UploadHandle {
  promise: Promise<UploadResult>;
  abort: () => void;
}

export class UploadAbortedError extends Error {
  constructor() {
    super('Upload cancelled');
  }
}

export function uploadFile(file: Blob & { name: string }, onProgress: (loaded: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  const promise = (async () => {
    const token = await accessToken();
    if (aborted) throw new UploadAbortedError();
    return new Promise<UploadResult>((resolve, reject) => {
      xhr.open('POST', `/api/uploads?filename=${encodeURIComponent(file.name)}`);
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      xhr.onload = () => {
        let body: { id?: string; sha256?: string; sizeBytes?: number; message?: string; error?: string } = {};
        try {
          body = JSON.parse(xhr.responseText) as typeof body;
        } catch {
          // not JSON
        }
        if (xhr.status >= 200 && xhr.status < 300 && body.id) {
          onProgress(file.size, file.size);
          resolve({ id: body.id, sha256: body.sha256 ?? '', sizeBytes: body.sizeBytes ?? file.size });
        } else reject(new Error(body.message ?? body.error ?? `Upload failed (HTTP ${xhr.status})`));
      };
      xhr.onerror = () => reject(new Error('Upload failed: the server could not be reached'));
      xhr.onabort = () => reject(new UploadAbortedError());
      xhr.send(file);
    });
  })();
  return {
    promise,
    abort: () => {
      aborted = true;
      if (xhr.readyState !== XMLHttpRequest.UNSENT && xhr.readyState !== XMLHttpRequest.DONE) xhr.abort();
    },
  };
}
