import dgram from 'node:dgram';
import { JitterBuffer, type JitterRelease } from './jitter-buffer.ts';
import type { OggOpusWriter } from './ogg-opus-writer.ts';
import { OPUS_PCM_RATE, OpusDecoder } from './opus-decoder.ts';
import { parseRtp } from './rtp-packet.ts';

export type RtpAudioTapOptions = {
  /** Opus payload type negotiated for this stream; other payload types are ignored. */
  payloadType: number;
  /** RTP clock rate (Opus over RTP is always 48000, RFC 7587). */
  clockRate?: number;
  /** 16 kHz mono PCM, in timeline order, gaps already filled with silence. */
  onPcm: (pcm: Int16Array) => void;
  /** Receives the Opus packets as they are (in order); ended by `close()`. Assumes a 48 kHz RTP clock. */
  recorder?: OggOpusWriter;
  host?: string;
  /** UDP port to bind (default 0: any free port). */
  port?: number;
  /** Packets held while waiting for a missing one (default 16). */
  maxReorderPackets?: number;
  /** Longest a packet waits for a missing one (default 120 ms). */
  maxReorderMs?: number;
  /** Largest timestamp gap filled with silence; longer jumps are cut to this (default 10 s). */
  maxGapMs?: number;
  logger?: { warn(...a: unknown[]): void };
};

export type RtpAudioTapStats = {
  /** RTP packets accepted (right payload type, SSRC and sender). */
  packets: number;
  /** Bytes of the accepted datagrams. */
  bytes: number;
  /** Datagrams ignored: RTCP, malformed, other payload types, other SSRCs or senders. */
  ignored: number;
  lost: number;
  late: number;
  duplicates: number;
  decodeErrors: number;
  /** 16 kHz samples delivered to `onPcm` (decoded audio plus inserted silence). */
  samplesOut: number;
  /** Of which silence inserted for timestamp gaps (loss, DTX). */
  gapSamples: number;
  cpuMs: number;
};

const TWO32 = 2 ** 32;

/**
 * Receives one Opus RTP stream on a local UDP socket (e.g. from a mediasoup PlainTransport with
 * rtcp-mux), reorders it, records it untouched and decodes it to 16 kHz mono for transcription.
 *
 * PCM follows the RTP clock: audio is placed by timestamp, so loss and DTX become silence of the
 * right length and transcript times stay aligned with the meeting. The first packet starts the
 * timeline. The first SSRC and sender address seen are locked in; stray datagrams are ignored.
 */
export class RtpAudioTap {
  readonly #opts: RtpAudioTapOptions;
  readonly #clockRate: number;
  readonly #maxGap: number; // in 16 kHz samples
  readonly #jitter: JitterBuffer;
  readonly #decoder = new OpusDecoder();
  #recorder: OggOpusWriter | undefined;
  #socket: dgram.Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ssrc: number | undefined;
  #sender: string | undefined;
  #nextTs: number | undefined; // RTP time (may be fractional) up to which PCM has been delivered
  #closed = false;
  #stats = { packets: 0, bytes: 0, ignored: 0, samplesOut: 0, gapSamples: 0 };

  constructor(opts: RtpAudioTapOptions) {
    this.#opts = opts;
    this.#clockRate = opts.clockRate ?? 48000;
    this.#maxGap = Math.round(((opts.maxGapMs ?? 10_000) * OPUS_PCM_RATE) / 1000);
    this.#recorder = opts.recorder;
    this.#jitter = new JitterBuffer({ maxPackets: opts.maxReorderPackets, maxDelayMs: opts.maxReorderMs });
  }

  /** Binds the UDP socket; point the sender (e.g. PlainTransport.connect) at the returned address. */
  async listen(): Promise<{ ip: string; port: number }> {
    if (this.#socket || this.#closed) throw new Error('RtpAudioTap: listen() called twice or after close()');
    const socket = dgram.createSocket('udp4');
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, `${rinfo.address}:${rinfo.port}`));
    socket.on('error', (err) => this.#opts.logger?.warn({ err: err.message }, 'rtp tap socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#opts.port ?? 0, this.#opts.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const addr = socket.address();
    return { ip: addr.address, port: addr.port };
  }

  stats(): RtpAudioTapStats {
    const j = this.#jitter.stats();
    const d = this.#decoder.stats();
    return {
      ...this.#stats,
      lost: j.lost,
      late: j.late,
      duplicates: j.duplicates,
      decodeErrors: d.decodeErrors,
      cpuMs: d.cpuMs,
    };
  }

  /** Stops receiving, delivers what the jitter buffer still holds, ends the recorder. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#deliver(this.#jitter.flush());
    this.#decoder.close();
    await this.#recorder?.end();
  }

  #onDatagram(msg: Buffer, from: string): void {
    if (this.#closed) return;
    const p = parseRtp(msg);
    if (!p || p.payloadType !== this.#opts.payloadType || (this.#ssrc !== undefined && p.ssrc !== this.#ssrc)) {
      this.#stats.ignored++;
      return;
    }
    if (this.#sender !== undefined && from !== this.#sender) {
      this.#stats.ignored++;
      return;
    }
    this.#ssrc ??= p.ssrc;
    this.#sender ??= from;
    this.#stats.packets++;
    this.#stats.bytes += msg.length;
    this.#deliver(this.#jitter.push(p));
    this.#schedule();
  }

  // A hole keeps packets waiting; wake up when the oldest has waited long enough even if nothing else arrives.
  #schedule(): void {
    if (this.#timer || this.#closed) return;
    const at = this.#jitter.nextDeadline();
    if (at === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#deliver(this.#jitter.poll());
        this.#schedule();
      },
      Math.max(1, Math.ceil(at - performance.now())),
    );
    this.#timer.unref();
  }

  #deliver(released: JitterRelease[]): void {
    for (const { packet } of released) {
      if (this.#recorder) {
        try {
          this.#recorder.writePacket(packet.payload, packet.timestamp);
        } catch (err) {
          // A broken recording (disk full, closed stream) must not stop transcription.
          this.#opts.logger?.warn({ err: (err as Error).message }, 'rtp tap: recorder failed, recording stopped');
          this.#recorder.end().catch(() => {});
          this.#recorder = undefined;
        }
      }
      const pcm = this.#decoder.decode(packet.payload);
      this.#place(packet.timestamp, pcm);
    }
  }

  // Puts a decoded packet on the RTP timeline: silence before it for a forward jump, trimmed for an overlap.
  #place(ts: number, pcm: Int16Array): void {
    const ticksPerSample = this.#clockRate / OPUS_PCM_RATE;
    if (this.#nextTs === undefined) this.#nextTs = ts;
    const gap = Math.round(signed32(ts - this.#nextTs) / ticksPerSample); // in 16 kHz samples
    let out = pcm;
    if (gap > this.#maxGap || gap < -this.#maxGap) {
      // Timestamp jump (sender restart, long pause): cap the silence, then follow the new clock.
      this.#opts.logger?.warn({ gapMs: Math.round((gap * 1000) / OPUS_PCM_RATE) }, 'rtp tap: timestamp jump');
      if (gap > 0) this.#emit(new Int16Array(this.#maxGap), true);
      this.#nextTs = ts;
    } else if (gap > 0) {
      this.#emit(new Int16Array(gap), true);
    } else if (gap < 0) {
      out = pcm.subarray(Math.min(-gap, pcm.length)); // already covered: keep only what extends the timeline
    }
    // The timeline now ends where this packet ends, unless it lay entirely in what was already delivered.
    if (out.length > 0) {
      this.#nextTs = mod32(ts + pcm.length * ticksPerSample);
      this.#emit(out, false);
    }
  }

  #emit(pcm: Int16Array, silence: boolean): void {
    this.#stats.samplesOut += pcm.length;
    if (silence) this.#stats.gapSamples += pcm.length;
    try {
      this.#opts.onPcm(pcm);
    } catch (err) {
      this.#opts.logger?.warn({ err: (err as Error).message }, 'rtp tap: onPcm threw');
    }
  }
}

const mod32 = (x: number) => ((x % TWO32) + TWO32) % TWO32;
const signed32 = (x: number) => {
  const m = mod32(x);
  return m >= 2 ** 31 ? m - TWO32 : m;
};
