/** Central catalogue of error codes returned by APIs (HTTP bodies, WS closes, CLI). */
export const errorCodes = {
  ERR_SCHEMA: { status: 400, message: 'request does not match its schema' },
  ERR_NOT_FOUND: { status: 404, message: 'not found' },
  ERR_UNAUTHORIZED: { status: 401, message: 'missing or invalid credentials' },
  ERR_FORBIDDEN: { status: 403, message: 'not allowed' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'payload too large' },
  ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'unsupported or corrupt media' },
  ERR_NO_AUDIO: { status: 422, message: 'media has no audio stream' },
  ERR_MEDIA_TRUNCATED: { status: 422, message: 'media is truncated or damaged' },
  ERR_UPLOAD_INCOMPLETE: { status: 409, message: 'upload is not complete' },
  ERR_QUOTE_NOT_FOUND: { status: 422, message: 'quote not found in the transcript' },
  ERR_INVALID_RANGE: { status: 422, message: 'range is empty or outside the media' },
  ERR_CANCELLED: { status: 409, message: 'job was cancelled' },
  ERR_CONFLICT: { status: 409, message: 'conflicts with the current state' },
  ERR_IDEMPOTENCY_MISMATCH: { status: 422, message: 'Idempotency-Key reused with a different request' },
  ERR_IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'a request with this Idempotency-Key is still running' },
  ERR_OVERLOADED: { status: 429, message: 'overloaded, retry later' },
  ERR_NOT_READY: { status: 503, message: 'service not ready' },
  ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const;
export type ErrorCode = keyof typeof errorCodes;

/** An error that carries a catalogue code; APIs map it to status and body. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? errorCodes[code].message);
  }
  get status(): number {
    return errorCodes[this.code].status;
  }
}
