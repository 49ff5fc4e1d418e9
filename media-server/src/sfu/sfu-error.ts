import { sfuErrorCodes } from '@mi/contracts';

export type SfuErrorCode = (typeof sfuErrorCodes)[keyof typeof sfuErrorCodes];

/** An error answered to the client as `{ ok: false, error: { code, message } }`. */
export class SfuError extends Error {
  constructor(
    readonly code: SfuErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Maps anything thrown by a handler to a response error; mediasoup's own rejections keep their message. */
export function toSfuError(err: unknown): SfuError {
  if (err instanceof SfuError) return err;
  const e = err as Error;
  // mediasoup throws TypeError / UnsupportedError for parameters it cannot use.
  if (e?.name === 'TypeError' || e?.name === 'UnsupportedError')
    return new SfuError(sfuErrorCodes.mediaRejected, e.message);
  return new SfuError(sfuErrorCodes.internal, 'internal error');
}
