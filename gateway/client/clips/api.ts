/** The gateway's REST API as the page uses it: the API key (if any) on every call, errors with their codes. */

const KEY_STORAGE = 'mi.apiKey'; // shared with the console and room pages

/** An API failure with the server's catalogue code (`ERR_…`) and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the `{ error: { code, message } }` body of a failed response (or makes one up from the status). */
export function apiErrorOf(status: number, text: string, statusText = ''): ApiError {
  let body: { error?: { code?: string; message?: string } } | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const err = body?.error;
  return new ApiError(status, err?.code ?? `HTTP_${status}`, err?.message ?? (text.slice(0, 200) || statusText));
}

/** A random UUID, also outside secure contexts (where crypto.randomUUID is missing). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export class Api {
  #key = sessionStorage.getItem(KEY_STORAGE) ?? '';

  get key(): string {
    return this.#key;
  }

  set key(value: string) {
    this.#key = value.trim();
    if (this.#key) sessionStorage.setItem(KEY_STORAGE, this.#key);
    else sessionStorage.removeItem(KEY_STORAGE);
  }

  /** Headers every API call carries (the key, when one is set). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.#key ? { authorization: `Bearer ${this.#key}` } : {}), ...extra };
  }

  /** A URL for clients that cannot set headers (EventSource): the key goes in the query. */
  url(path: string, query: Record<string, string> = {}): string {
    const q = new URLSearchParams(query);
    if (this.#key) q.set('access_token', this.#key);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  }

  /** A JSON call; POSTs carry an Idempotency-Key so a retried click never submits twice. */
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers = this.headers(body === undefined ? {} : { 'content-type': 'application/json' });
    if (method === 'POST') headers['idempotency-key'] = uuid();
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'ERR_NETWORK', (err as Error).message || 'network error');
    }
    const text = await res.text();
    if (!res.ok) throw apiErrorOf(res.status, text, res.statusText);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** How an error reads on the page: `CODE: message` for API errors. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
