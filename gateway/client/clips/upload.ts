/**
 * Media uploads with progress: a multipart POST through the gateway, or for large files the
 * presigned flow (each part PUT straight to the object store, then completed by the gateway).
 */

import { type Api, ApiError, apiErrorOf } from './api.ts';
import type { PresignedUploadResponse, Upload } from './contracts.ts';

/** Files over this go straight to the store in parts rather than through the gateway. */
export const DIRECT_UPLOAD_OVER_BYTES = 64 * 1024 * 1024;
/** Parts sent at once in the presigned flow. */
const PARTS_IN_FLIGHT = 3;

export type UploadProgress = { sent: number; total: number; phase: 'sending' | 'checking' };

type XhrResult = { status: number; text: string; etag: string | null };

/** One XMLHttpRequest (fetch has no upload progress) reporting bytes sent. */
function send(
  method: string,
  url: string,
  body: XMLHttpRequestBodyInit,
  headers: Record<string, string>,
  onSent: (bytes: number) => void,
): Promise<XhrResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, etag: xhr.getResponseHeader('etag') });
    xhr.onerror = () =>
      reject(new ApiError(0, 'ERR_NETWORK', `${method} ${new URL(url, location.href).pathname} failed`));
    xhr.send(body);
  });
}

/** POST /v1/uploads: the file streams through the gateway, which checks it before answering. */
async function uploadThroughGateway(api: Api, file: File, onProgress: (p: UploadProgress) => void): Promise<Upload> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await send('POST', '/v1/uploads', form, api.headers(), (sent) => {
    onProgress({ sent, total: file.size, phase: sent >= file.size ? 'checking' : 'sending' });
  });
  if (res.status !== 201) throw apiErrorOf(res.status, res.text);
  return JSON.parse(res.text) as Upload;
}

/** Presigned multipart: parts go to the store directly; their ETags complete the upload. */
async function uploadDirect(api: Api, file: File, onProgress: (p: UploadProgress) => void): Promise<Upload> {
  const start = await api.call<PresignedUploadResponse>('POST', '/v1/uploads/presigned', {
    filename: file.name,
    contentType: file.type || 'application/octet-stream',
    size: file.size,
  });
  const sentByPart = new Map<number, number>();
  const report = () => {
    const sent = [...sentByPart.values()].reduce((a, b) => a + b, 0);
    onProgress({ sent, total: file.size, phase: 'sending' });
  };
  const queue = [...start.parts];
  const etags: { partNumber: number; etag: string }[] = [];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const { partNumber, url } = part;
      const blob = file.slice((partNumber - 1) * start.partSize, partNumber * start.partSize);
      const res = await send('PUT', url, blob, {}, (sent) => {
        sentByPart.set(partNumber, sent);
        report();
      });
      if (res.status < 200 || res.status >= 300) throw apiErrorOf(res.status, res.text);
      // On S3 the bucket's CORS rules must expose ETag, or the browser hides it.
      if (!res.etag) throw new ApiError(0, 'ERR_UPLOAD_INCOMPLETE', `part ${partNumber}: the store sent no ETag`);
      sentByPart.set(partNumber, blob.size);
      etags.push({ partNumber, etag: res.etag });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, queue.length) }, worker));
  } catch (err) {
    queue.length = 0; // the other workers stop after their current part
    // Drops the parts already stored; the upload reads `aborted` afterwards.
    await api.call('DELETE', `/v1/uploads/${encodeURIComponent(start.upload.id)}`).catch(() => undefined);
    throw err;
  }
  onProgress({ sent: file.size, total: file.size, phase: 'checking' });
  const parts = etags.sort((a, b) => a.partNumber - b.partNumber);
  return api.call<Upload>('POST', `/v1/uploads/${encodeURIComponent(start.upload.id)}/complete`, { parts });
}

/**
 * Uploads a media file and resolves with the `ready` upload; a refused file (not media, truncated,
 * too large) rejects with the server's ApiError. `direct` forces (or prevents) the presigned flow.
 */
export function uploadMedia(
  api: Api,
  file: File,
  onProgress: (p: UploadProgress) => void,
  direct = file.size > DIRECT_UPLOAD_OVER_BYTES,
): Promise<Upload> {
  return direct ? uploadDirect(api, file, onProgress) : uploadThroughGateway(api, file, onProgress);
}
