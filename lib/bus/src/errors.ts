/** Errors beyond those in types.ts; the same classes are thrown by both buses. */

/** `request` got an answer from a responder whose handler threw. */
export class BusReplyError extends Error {
  readonly code = 'ERR_BUS_REPLY';
}

/** `append` to a subject that no stream captures. */
export class NoStreamError extends Error {
  readonly code = 'ERR_BUS_NO_STREAM';
  constructor(subject: string, options?: ErrorOptions) {
    super(`no stream captures subject ${subject}`, options);
  }
}
