import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): receivers verify with any
 * Standard Webhooks library, so we only ever produce the `v1` (HMAC-SHA256) scheme.
 */
export const secretPrefix = 'whsec_';

export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key inside a secret: base64 after the `whsec_` prefix (which is optional, as in the spec). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from silently skips bad characters; a round trip catches a secret that is not base64.
  if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new Error('webhook secret is not base64');
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one delivery attempt; the timestamp is fresh per attempt so retries stay verifiable. */
export function signatureHeaders(opts: { secret: string; id: string; body: string; now?: Date }): SignatureHeaders {
  const timestamp = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return {
    'webhook-id': opts.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(opts.secret, opts.id, timestamp, opts.body),
  };
}
