import { randomBytes } from 'node:crypto';
import type { Bus } from '@mi/bus';
import {
  assertValid,
  type IngestHello as Hello,
  IngestControl,
  IngestHello,
  type IngestReady,
  ingestCloseCodes,
  ValidationError,
} from '@mi/contracts';
import { type Logger, type Metrics, startSpanFrom, traceparentOf } from '@mi/telemetry';
import type { Span, Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { decodePcm, floatToInt16, Resampler } from '../dsp/resampler.ts';
import { AudioPublisher } from './audio-publisher.ts';

export type WsIngestOptions = {
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  service: { name: string; version: string };
  defaultTenant: string;
  /** Largest binary message accepted. */
  maxFrameBytes: number;
  helloTimeoutMs: number;
  frameMs: number;
  /** A bot may send faster than real time (files), but not beyond this factor after the burst allowance. */
  maxRealtimeFactor: number;
  burstSeconds: number;
  /** Each stream is a span (`ingest.stream`); its context travels with the audio. */
  tracer?: Tracer;
};

export const ingestPath = '/v1/ingest/audio';

/** Who is sending, when authenticated: their tenant wins over the hello's, and viewers may not publish. */
export type IngestPrincipal = { id: string; role: string; tenant: string };

/** Fastify plugin: the bot audio ingest WebSocket (protocol documented in contracts/src/api/ingest.ts). */
export async function wsIngestPlugin(app: FastifyInstance, opts: WsIngestOptions): Promise<void> {
  app.get(ingestPath, { websocket: true }, (socket, req) => {
    // Set by the gateway's auth when the ingest is mounted there (absent when media-server runs alone).
    const principal = (req as { principal?: IngestPrincipal }).principal ?? undefined;
    new IngestSession(socket, opts, principal).run();
  });
}

function close(socket: WebSocket, code: number, reason: string): void {
  // Close reasons are limited to 123 bytes.
  if (socket.readyState === socket.OPEN) socket.close(code, reason.slice(0, 120));
}

/** One bot connection: hello, then binary PCM until end/close. Failures close only this socket. */
class IngestSession {
  #publisher: AudioPublisher | undefined;
  #span: Span | undefined;
  #resampler: Resampler | undefined;
  #hello: Hello | undefined;
  #received = 0; // input frames (per channel) so far
  #startedMs = 0;
  #closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: WsIngestOptions,
    private readonly principal?: IngestPrincipal,
  ) {}

  run(): void {
    const timer = setTimeout(
      () => this.#fail(ingestCloseCodes.helloTimeout, 'hello not received in time'),
      this.opts.helloTimeoutMs,
    );
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        if (!this.#hello) {
          clearTimeout(timer);
          if (isBinary) {
            this.#fail(ingestCloseCodes.badHello, 'expected a JSON hello before audio');
            return;
          }
          void this.#onHello(data.toString('utf8'));
          return;
        }
        if (!isBinary) {
          this.#onControl(data.toString('utf8'));
          return;
        }
        this.#onAudio(data);
      } catch (err) {
        this.opts.logger.error({ err }, 'ingest message failed');
        this.#fail(ingestCloseCodes.internal, 'internal error');
      }
    });
    this.socket.on('close', () => {
      clearTimeout(timer);
      void this.#finish('connection closed');
    });
    this.socket.on('error', (err) => this.opts.logger.warn({ err }, 'ingest socket error'));
  }

  async #onHello(text: string): Promise<void> {
    let hello: Hello;
    try {
      hello = assertValid(IngestHello, JSON.parse(text), 'hello');
    } catch (err) {
      const msg = err instanceof ValidationError ? err.message : 'hello is not JSON';
      this.#fail(ingestCloseCodes.badHello, msg);
      return;
    }
    const p = this.principal;
    if (p && p.role === 'viewer') return this.#fail(ingestCloseCodes.unauthorized, 'viewers may not publish audio');
    if (p && hello.tenant && hello.tenant !== p.tenant) {
      return this.#fail(ingestCloseCodes.unauthorized, `key is not valid for tenant ${hello.tenant}`);
    }
    this.#hello = hello;
    const stream = `st_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
    const channels = hello.channels ?? 1;
    this.#resampler = new Resampler(hello.sampleRate, 16000);
    this.#span = this.opts.tracer
      ? startSpanFrom(this.opts.tracer, 'ingest.stream', hello.traceparent, {
          attributes: { 'mi.room': hello.room, 'mi.participant': hello.participant.id, 'mi.stream': stream },
        })
      : undefined;
    const traceparent = this.#span ? traceparentOf(this.#span) : hello.traceparent;
    this.#publisher = new AudioPublisher(this.opts.bus, {
      ...(traceparent ? { traceparent } : {}),
      stream,
      room: hello.room,
      participant: hello.participant,
      source: 'ws',
      input: { sampleRate: hello.sampleRate, channels, encoding: hello.encoding },
      frameMs: this.opts.frameMs,
      ctx: {
        tenant: p?.tenant ?? hello.tenant ?? this.opts.defaultTenant,
        correlationId: hello.correlationId ?? stream,
        producer: { service: this.opts.service.name, version: this.opts.service.version },
        room: hello.room,
      },
    });
    try {
      await this.#publisher.start();
    } catch (err) {
      this.opts.logger.error({ err }, 'could not announce stream');
      this.#fail(ingestCloseCodes.internal, 'bus unavailable');
      return;
    }
    this.#startedMs = performance.now();
    this.opts.metrics.ingestStreams.inc({ source: 'ws' });
    this.opts.logger.info({ stream, room: hello.room, participant: hello.participant.id }, 'ingest stream started');
    const ready: IngestReady = { type: 'ready', protocol: 1, stream };
    this.socket.send(JSON.stringify(ready));
  }

  #onControl(text: string): void {
    try {
      assertValid(IngestControl, JSON.parse(text), 'control message');
    } catch (err) {
      const msg = err instanceof ValidationError ? err.message : 'text message is not JSON';
      this.#fail(ingestCloseCodes.badFormat, msg);
      return;
    }
    void this.#finish('client ended').then(() => close(this.socket, ingestCloseCodes.normal, 'stream ended'));
  }

  #onAudio(data: Buffer): void {
    const hello = this.#hello!;
    if (!this.#publisher) return; // hello still being announced; cannot happen with a compliant client
    const width = (hello.encoding === 'pcm_s16le' ? 2 : 4) * (hello.channels ?? 1);
    if (data.byteLength > this.opts.maxFrameBytes) {
      this.opts.metrics.droppedFrames.inc({ reason: 'too_large' });
      this.#fail(
        ingestCloseCodes.frameTooLarge,
        `frame of ${data.byteLength} bytes exceeds ${this.opts.maxFrameBytes}`,
      );
      return;
    }
    if (data.byteLength % width !== 0) {
      this.opts.metrics.droppedFrames.inc({ reason: 'bad_format' });
      this.#fail(
        ingestCloseCodes.badFormat,
        `frame of ${data.byteLength} bytes is not whole ${hello.encoding} samples`,
      );
      return;
    }
    this.#received += data.byteLength / width;
    const elapsed = (performance.now() - this.#startedMs) / 1000;
    const allowed = (elapsed * this.opts.maxRealtimeFactor + this.opts.burstSeconds) * hello.sampleRate;
    if (this.#received > allowed) {
      this.opts.metrics.droppedFrames.inc({ reason: 'rate' });
      this.#fail(ingestCloseCodes.overloaded, 'audio arrives faster than allowed');
      return;
    }
    const mono = decodePcm(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      hello.encoding,
      hello.channels ?? 1,
    );
    const t0 = performance.now();
    this.#publisher.write(floatToInt16(this.#resampler!.push(mono)));
    this.opts.metrics.stageLatency.observe({ stage: 'ingest' }, (performance.now() - t0) / 1000);
  }

  async #finish(reason: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pub = this.#publisher;
    if (!pub) return;
    this.#span?.setAttribute('mi.samples', pub.samplesPublished);
    this.#span?.end();
    this.opts.metrics.ingestStreams.dec({ source: 'ws' });
    try {
      pub.write(floatToInt16(this.#resampler!.flush()));
      await pub.end(reason);
      this.opts.logger.info({ stream: pub.info.stream, samples: pub.samplesPublished, reason }, 'ingest stream ended');
    } catch (err) {
      this.opts.logger.error({ err, stream: pub.info.stream }, 'could not close stream on the bus');
    }
  }

  #fail(code: number, reason: string): void {
    this.opts.logger.warn({ code, reason }, 'ingest stream rejected');
    void this.#finish(reason);
    close(this.socket, code, reason);
  }
}
