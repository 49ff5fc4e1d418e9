// Wire format of native/ps-server.c (see the comment at the top of that file).
import { endianness } from 'node:os';
import type { AsrResult } from './types.ts';

export const Op = { start: 1, audio: 2, partial: 3, end: 4, abort: 5, stats: 6, ready: 0x7f } as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** START flags: how the final result is produced (see ps-server.c). */
export const DecodeMode = { live: 0, batch: 1, hybrid: 2 } as const;
export type DecodeModeName = keyof typeof DecodeMode;

export const HEADER_BYTES = 12;
/** Audio is split into frames of at most this many bytes (the server accepts up to 16 MiB). */
export const MAX_AUDIO_FRAME_BYTES = 1 << 20;

export type Frame = { op: number; status: number; sid: number; payload: Buffer };

export function encodeHeader(op: OpCode, sid: number, flags: number, payloadBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt8(op, 0);
  h.writeUInt8(flags, 1);
  h.writeUInt32LE(sid >>> 0, 4);
  h.writeUInt32LE(payloadBytes, 8);
  return h;
}

const littleEndian = endianness() === 'LE';

/** s16le bytes for the wire; always a copy, so callers may reuse their arrays right away. */
export function pcmBytes(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length * 2);
  if (littleEndian) Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).copy(out);
  else for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

/** Incremental parser for the server's response stream. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.#buf.length >= HEADER_BYTES) {
      const len = this.#buf.readUInt32LE(8);
      if (this.#buf.length < HEADER_BYTES + len) break;
      frames.push({
        op: this.#buf.readUInt8(0),
        status: this.#buf.readUInt8(1),
        sid: this.#buf.readUInt32LE(4),
        payload: this.#buf.subarray(HEADER_BYTES, HEADER_BYTES + len),
      });
      this.#buf = this.#buf.subarray(HEADER_BYTES + len);
    }
    return frames;
  }
}

/** READY handshake payload. */
export type PsReady = {
  engine: string;
  version: string;
  server: string;
  hmm: string;
  lm: string;
  dict: string;
  init_ms: number;
  rss_kb: number;
  decoder_kb: number;
  max_sessions: number;
  /** Length of the CMN mean vectors in START payloads and END results (0: the model has no CMN). */
  cmn_veclen: number;
  pid: number;
};

/** STATS payload. */
export type PsStats = {
  decoders: number;
  live_decoders: number;
  busy_decoders: number;
  sessions: number;
  max_sessions: number;
  rss_kb: number;
  first_init_ms: number;
  first_decoder_kb: number;
  last_init_ms: number;
  last_decoder_kb: number;
  share_lm: boolean;
};

/**
 * END result plus the server's own accounting; `cmn` (LIVE/HYBRID) is the live cepstral mean after
 * the utterance, to pass to the next START of the same audio stream.
 */
export type PsFinal = AsrResult & { audioMs: number; cpuMs: number; cmn?: number[] };

/** START payload: a CMN mean as float32 little-endian values. */
export function cmnBytes(mean: readonly number[]): Buffer {
  const out = Buffer.alloc(mean.length * 4);
  for (const [i, v] of mean.entries()) out.writeFloatLE(v, i * 4);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export function parseJsonObject(payload: Buffer): Record<string, unknown> {
  const v: unknown = JSON.parse(payload.toString('utf8'));
  if (!isRecord(v)) throw new Error('ps-server sent a non-object JSON payload');
  return v;
}

export function parseFinal(payload: Buffer): PsFinal {
  const o = parseJsonObject(payload);
  if (typeof o.text !== 'string' || !Array.isArray(o.words)) throw new Error('ps-server sent a malformed END result');
  const words = o.words.filter(isRecord).map((w) => ({
    word: String(w.word),
    start: num(w.start_ms),
    end: num(w.end_ms),
    confidence: clamp01(num(w.prob)),
  }));
  const final: PsFinal = {
    text: o.text,
    words,
    confidence: clamp01(num(o.confidence)),
    audioMs: num(o.audio_ms),
    cpuMs: num(o.cpu_ms),
  };
  const cmn = o.cmn;
  if (Array.isArray(cmn) && cmn.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
    final.cmn = cmn;
  }
  return final;
}
