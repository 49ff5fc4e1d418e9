import { errorReason } from './dead-letter.ts';
import { BusReplyError } from './errors.ts';
import type { Headers } from './types.ts';

/**
 * A responder whose handler throws answers with this header instead of leaving the requester to
 * time out; `request` turns it back into an error. Same wire format in both buses.
 */
export const replyErrorHeader = 'Mi-Reply-Error';

export const replyErrorHeaders = (error: unknown): Headers => ({ [replyErrorHeader]: errorReason(error) || 'error' });

/** The error to throw for a reply carrying the error header, else null. */
export function replyError(subject: string, headers: Headers): BusReplyError | null {
  const reason = headers[replyErrorHeader];
  return reason === undefined ? null : new BusReplyError(`responder for ${subject} failed: ${reason}`);
}
