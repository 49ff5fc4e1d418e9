import type { Envelope } from '@mi/contracts';

/**
 * Reads a Server-Sent Events stream of envelopes (a room's or a job's `/events`) until `onEvent`
 * returns true, the stream ends, or `timeoutMs` passes; returns every event read.
 */
export async function readEventStream(
  url: string,
  onEvent: (e: Envelope) => boolean | undefined,
  opts: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Envelope[]> {
  const events: Envelope[] = [];
  const ctrl = new AbortController();
  const timer = opts.timeoutMs ? setTimeout(() => ctrl.abort(), opts.timeoutMs) : undefined;
  try {
    const res = await fetch(url, { signal: ctrl.signal, ...(opts.headers ? { headers: opts.headers } : {}) });
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      const blocks = buf.split('\n\n');
      buf = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const e = JSON.parse(data.slice(6)) as Envelope;
        events.push(e);
        if (onEvent(e)) return events;
      }
    }
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return events;
}
