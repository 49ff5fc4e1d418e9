/** The endpoint answered with a non-2xx status. */
export class LlmHttpError extends Error {
  readonly reason = 'http_error';
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`LLM endpoint answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** The endpoint could not be reached, or the connection broke. */
export class LlmNetworkError extends Error {
  readonly reason = 'network_error';
  constructor(cause: unknown) {
    super(`LLM endpoint unreachable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** The reply was not the JSON we asked for; `path` points at the bad field when there is one. */
export class LlmInvalidReplyError extends Error {
  readonly reason = 'invalid_reply';
  constructor(
    problem: string,
    readonly path = '',
  ) {
    super(`invalid LLM reply: ${path ? `${path}: ` : ''}${problem}`);
  }
}
