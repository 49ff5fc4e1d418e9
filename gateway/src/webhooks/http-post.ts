import { TimeoutError, withTimeout } from '@mi/resilience';

/** How one HTTP attempt ended. `breakerFailure`: the receiver looks unhealthy (not just unhappy with this event). */
export type AttemptResult =
  | { kind: 'ok'; status: number }
  | { kind: 'gone'; status: 410 }
  | { kind: 'http_error'; status: number; error: string; breakerFailure: boolean }
  | { kind: 'network_error'; error: string; breakerFailure: true };

export type PostOptions = {
  fetch: typeof fetch;
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the attempt (dispatcher closing); the promise then rejects with the signal's reason. */
  signal: AbortSignal;
};

/** Enough of a receiver's error body to explain a dead letter, not enough to store its pages. */
const maxErrorBody = 200;

/** One POST with a deadline covering the response body too. Never throws except when `signal` aborts. */
export async function postWebhook(opts: PostOptions): Promise<AttemptResult> {
  try {
    return await withTimeout(opts.timeoutMs, async (timeout) => {
      const res = await opts.fetch(opts.url, {
        method: 'POST',
        body: opts.body,
        headers: opts.headers,
        // A redirect is a failure: following it would send signed events somewhere not configured.
        redirect: 'manual',
        signal: AbortSignal.any([timeout, opts.signal]),
      });
      const text = await readSome(res);
      if (res.status >= 200 && res.status < 300) return { kind: 'ok', status: res.status };
      if (res.status === 410) return { kind: 'gone', status: 410 };
      return {
        kind: 'http_error',
        status: res.status,
        error: `HTTP ${res.status}${text ? `: ${text}` : ''}`,
        // 4xx other than these means the receiver is up and answering: no reason to stop calling it.
        breakerFailure: res.status >= 500 || res.status === 408 || res.status === 429,
      };
    });
  } catch (error) {
    if (opts.signal.aborted) throw opts.signal.reason;
    const message = error instanceof TimeoutError ? `timed out after ${opts.timeoutMs} ms` : describe(error as Error);
    return { kind: 'network_error', error: message, breakerFailure: true };
  }
}

/** Drains at most a little of the body (keeps the connection reusable for small bodies). */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > 4096) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // A body cut short says nothing more about the delivery than the status already does.
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, maxErrorBody).trim();
}

/** fetch wraps socket errors as "fetch failed"; the cause says what happened. */
function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
