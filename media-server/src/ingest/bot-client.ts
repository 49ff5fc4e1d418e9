import type { IngestHello } from '@mi/contracts';
import { WebSocket } from 'ws';

export type BotStreamOptions = {
  /** ws://host:port/v1/ingest/audio */
  url: string;
  hello: Omit<IngestHello, 'type'>;
  /** Interleaved PCM in the hello's encoding. */
  pcm: Int16Array | Float32Array;
  /** Send at real-time pace (a live bot) instead of as fast as possible (a file upload). */
  realtime: boolean;
  frameMs?: number;
  /** Called once the server is ready, with its stream id and the wall clock of sample 0. */
  onReady?: (stream: string, startedAt: number) => void;
};

export type BotStreamResult = { stream: string; closeCode: number; closeReason: string };

/**
 * Minimal bot: opens an ingest stream, sends PCM frames (paced against the wall clock so
 * timer drift does not accumulate), then `end`, and resolves when the server closes.
 */
export function streamToIngest(opts: BotStreamOptions): Promise<BotStreamResult> {
  const frameMs = opts.frameMs ?? 20;
  const channels = opts.hello.channels ?? 1;
  const frameSamples = Math.round((opts.hello.sampleRate * frameMs) / 1000) * channels;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url);
    let stream = '';
    let timer: NodeJS.Timeout | undefined;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...opts.hello })));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(data.toString()) as { type: string; stream: string };
      if (msg.type !== 'ready') return;
      stream = msg.stream;
      const t0 = performance.now();
      opts.onReady?.(stream, Date.now());
      let sent = 0;
      const pump = () => {
        const due = opts.realtime ? Math.floor((performance.now() - t0) / frameMs) + 1 : Number.POSITIVE_INFINITY;
        while (sent * frameSamples < opts.pcm.length && sent < due && ws.bufferedAmount < 1 << 20) {
          const chunk = opts.pcm.subarray(sent * frameSamples, (sent + 1) * frameSamples);
          ws.send(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          sent++;
        }
        if (sent * frameSamples >= opts.pcm.length) {
          ws.send(JSON.stringify({ type: 'end' }));
          return;
        }
        timer = setTimeout(pump, opts.realtime ? frameMs / 2 : 1);
      };
      pump();
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ stream, closeCode: code, closeReason: reason.toString() });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
