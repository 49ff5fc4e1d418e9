import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Presigned URLs of the local store: `${publicUrl}/v1/objects/<key>?op=…&exp=…&sig=…`, where sig
 * is an HMAC-SHA256 over everything the URL grants (operation, key, expiry, upload id, part).
 */

export type PresignOp = 'get' | 'put' | 'part';

export interface PresignGrant {
  op: PresignOp;
  key: string;
  /** Unix seconds after which the URL is refused. */
  exp: number;
  uploadId?: string;
  partNumber?: number;
}

export type PresignCheck = { ok: true; grant: PresignGrant } | { ok: false; reason: 'invalid' | 'expired' };

const ROUTE = '/v1/objects/';
const isOp = (s: string): s is PresignOp => s === 'get' || s === 'put' || s === 'part';

export class PresignSigner {
  private readonly key: Buffer;
  private readonly origin: string;
  /** Path of publicUrl, without trailing slash ('' at the root). */
  readonly basePath: string;

  constructor(signingKey: string, publicUrl: string) {
    if (!signingKey) throw new TypeError('signingKey must not be empty');
    // Derived key: the configured secret may also sign other things; these signatures stay distinct.
    this.key = createHmac('sha256', signingKey).update('mi-object-store/presign/v1').digest();
    const url = new URL(publicUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  sign(grant: PresignGrant): string {
    const path = grant.key.split('/').map(encodeURIComponent).join('/');
    const query = new URLSearchParams({ op: grant.op, exp: String(grant.exp) });
    if (grant.uploadId !== undefined) query.set('uploadId', grant.uploadId);
    if (grant.partNumber !== undefined) query.set('partNumber', String(grant.partNumber));
    query.set('sig', this.mac(grant).toString('base64url'));
    return `${this.origin}${this.basePath}${ROUTE}${path}?${query}`;
  }

  /**
   * Checks a request target (path and query). Null when the path is not under our route, so a
   * server mounting the handler can pass the request on.
   */
  check(requestTarget: string, now = Date.now(), basePath = this.basePath): PresignCheck | null {
    let url: URL;
    try {
      url = new URL(requestTarget, 'http://localhost');
    } catch {
      return null;
    }
    const routePrefix = basePath + ROUTE;
    if (!url.pathname.startsWith(routePrefix)) return null;
    const q = url.searchParams;
    let key: string;
    try {
      key = url.pathname.slice(routePrefix.length).split('/').map(decodeURIComponent).join('/');
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const op = q.get('op') ?? '';
    const exp = Number(q.get('exp'));
    const sig = Buffer.from(q.get('sig') ?? '', 'base64url');
    if (!isOp(op) || !Number.isSafeInteger(exp)) return { ok: false, reason: 'invalid' };
    const grant: PresignGrant = { op, key, exp };
    if (op === 'part') {
      grant.uploadId = q.get('uploadId') ?? '';
      grant.partNumber = Number(q.get('partNumber'));
    }
    const expected = this.mac(grant);
    // Constant-time compare (lengths are public: both are 32-byte MACs when well-formed).
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return { ok: false, reason: 'invalid' };
    if (now >= exp * 1000) return { ok: false, reason: 'expired' };
    return { ok: true, grant };
  }

  private mac(grant: PresignGrant): Buffer {
    // JSON array: unambiguous field boundaries whatever the key contains.
    const payload = JSON.stringify([grant.op, grant.key, grant.exp, grant.uploadId ?? '', grant.partNumber ?? 0]);
    return createHmac('sha256', this.key).update(payload).digest();
  }
}

/** Expiry for a URL valid `seconds` from now (whole seconds, so at most `seconds`). */
export function expiryFromNow(seconds: number, now = Date.now()): number {
  return Math.floor(now / 1000) + seconds;
}
