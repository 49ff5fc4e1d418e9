import { createHmac, timingSafeEqual } from 'node:crypto';
import { compiled, RoomTokenClaims } from '@mi/contracts';

/**
 * Room tokens: `base64url(claims JSON).base64url(HMAC-SHA256)`. The gateway signs them for
 * an authenticated caller; the media server checks them when a signaling socket opens, so
 * browsers (which cannot set headers on a WebSocket) join with a URL parameter only.
 */
export function signRoomToken(claims: RoomTokenClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

export type TokenCheck = { ok: true; claims: RoomTokenClaims } | { ok: false; reason: string };

const checkClaims = compiled(RoomTokenClaims);

export function verifyRoomToken(token: string, secret: string, nowMs = Date.now()): TokenCheck {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return { ok: false, reason: 'malformed token' };
  const want = Buffer.from(mac(body, secret));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (!checkClaims.Check(claims)) return { ok: false, reason: 'malformed claims' };
  if (claims.exp * 1000 < nowMs) return { ok: false, reason: 'token expired' };
  return { ok: true, claims };
}

function mac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(`mi-room-token.v1.${body}`).digest('base64url');
}
