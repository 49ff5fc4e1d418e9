import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseRangeHeader } from './http-range.ts';
import type { LocalObjectStore } from './local-store.ts';
import { InvalidKeyError, InvalidPartError, ObjectNotFoundError, UploadNotFoundError } from './types.ts';

export type PresignHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface PresignHandlerOptions {
  /** Path the handler sees in front of /v1/objects/ (default: the path of the store's publicUrl). */
  basePath?: string;
}

/**
 * Serves the local store's presigned URLs: GET/HEAD (Range → 206), PUT of a whole object or
 * of a multipart part (the response's ETag header is the part's etag). Resolves false, without
 * touching the response, for requests that are not under /v1/objects/, so a server can route
 * them elsewhere.
 */
export function createLocalPresignHandler(store: LocalObjectStore, opts: PresignHandlerOptions = {}): PresignHandler {
  return async (req, res) => {
    const check = store.signer.check(req.url ?? '', Date.now(), opts.basePath);
    if (!check) return false;
    try {
      if (!check.ok) {
        send(res, 403, check.reason === 'expired' ? 'URL expired' : 'invalid signature');
        return true;
      }
      const { grant } = check;
      const method = req.method ?? 'GET';
      const allowed = grant.op === 'get' ? ['GET', 'HEAD'] : ['PUT'];
      if (!allowed.includes(method)) {
        res.setHeader('Allow', allowed.join(', '));
        send(res, 405, `this URL allows ${allowed.join(', ')}`);
        return true;
      }
      if (grant.op === 'get') {
        await serveGet(store, grant.key, req, res);
      } else {
        const contentType = req.headers['content-type'];
        const { etag } =
          grant.op === 'put'
            ? await store.put(grant.key, req, contentType ? { contentType } : {})
            : await store.uploadPartStream(grant.key, grant.uploadId ?? '', grant.partNumber ?? 0, req);
        res.setHeader('ETag', `"${etag}"`);
        send(res, 200, '');
      }
    } catch (err) {
      sendError(res, err);
    }
    return true;
  };
}

async function serveGet(store: LocalObjectStore, key: string, req: IncomingMessage, res: ServerResponse) {
  const { info, file } = await store.openObject(key);
  let handedOver = false;
  try {
    const range = parseRangeHeader(req.headers.range, info.size);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', `"${info.etag}"`);
    res.setHeader('Last-Modified', info.lastModified.toUTCString());
    res.setHeader('Content-Type', info.contentType ?? 'application/octet-stream');
    for (const [name, value] of Object.entries(info.metadata)) res.setHeader(`x-amz-meta-${name}`, value);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${info.size}`);
      send(res, 416, 'range not satisfiable');
      return;
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${info.size}`);
    res.setHeader('Content-Length', end - start + 1);
    res.statusCode = range ? 206 : 200;
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    handedOver = true; // the stream closes the handle
    await pipeline(file.createReadStream({ start, end }), res);
  } finally {
    if (!handedOver) await file.close();
  }
}

function send(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  if (!message) {
    res.setHeader('Content-Length', 0);
    res.end();
    return;
  }
  const body = JSON.stringify({ error: message });
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(); // mid-body (e.g. client went away): nothing sensible left to send
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ObjectNotFoundError || err instanceof UploadNotFoundError) send(res, 404, message);
  else if (err instanceof InvalidKeyError || err instanceof InvalidPartError || err instanceof TypeError) {
    send(res, 400, message);
  } else if (err instanceof RangeError) send(res, 400, message);
  else send(res, 500, 'internal error');
}
