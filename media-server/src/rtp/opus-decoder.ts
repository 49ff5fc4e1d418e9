import OpusScript from 'opusscript';

/** Output rate: Opus decodes natively at 16 kHz, which is what transcription wants, so no resampler. */
export const OPUS_PCM_RATE = 16000;

/**
 * Samples (at 48 kHz) an Opus packet decodes to, from its TOC byte and frame count
 * (RFC 6716 §3.1); undefined for packets the spec calls malformed.
 */
export function opusPacketSamples(packet: Uint8Array): number | undefined {
  if (packet.length < 1) return undefined;
  const toc = packet[0]!;
  const config = toc >> 3;
  const perFrame =
    config < 12
      ? [480, 960, 1920, 2880][config & 3]! // SILK 10/20/40/60 ms
      : config < 16
        ? [480, 960][config & 1]! // Hybrid 10/20 ms
        : [120, 240, 480, 960][config & 3]!; // CELT 2.5/5/10/20 ms
  let frames: number;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (packet.length < 2) return undefined;
      frames = packet[1]! & 0x3f;
  }
  const total = frames * perFrame;
  return frames === 0 || total > 5760 ? undefined : total;
}

export type OpusDecoderStats = {
  packets: number;
  /** Packets that failed to decode (corrupt, truncated, unsupported) and were replaced by silence. */
  decodeErrors: number;
  samplesOut: number;
  /** Time spent inside decode calls (synchronous, so CPU time on this thread). */
  cpuMs: number;
};

// opusscript 0.1.1 internals we drive directly; see the class comment for why.
type OpusScriptInternals = {
  handler: { _decode(input: number, bytes: number, output: number): number };
  inOpus: Uint8Array;
  inOpusPointer: number;
  outPCMPointer: number;
  outPCMLength: number;
  delete(): void;
};

const MAX_PACKET_BYTES = 1276 * 3; // opusscript's input buffer

// The emscripten heap of opusscript, shared by every instance. Memory growth detaches the old
// ArrayBuffer (byteLength 0); a fresh instance's view then yields the current one.
let heap: ArrayBuffer | undefined;
function currentHeap(): ArrayBuffer {
  if (heap === undefined || heap.byteLength === 0) {
    const probe = new OpusScript(16000, 1) as unknown as OpusScriptInternals;
    heap = probe.inOpus.buffer as ArrayBuffer;
    probe.delete();
  }
  return heap;
}

/**
 * Opus packet -> 16 kHz mono Int16Array, never throwing on bad input: a packet that fails
 * is counted and replaced by silence of its duration, so the timeline stays intact.
 *
 * Why not `OpusScript#decode`: in 0.1.1 it views the output through `HEAPU16.subarray(bytePointer)`,
 * i.e. at twice the malloc'd address, so every decode writes into memory owned by other instances
 * (corrupting them, and out of bounds past ~75 decoders per process), and its views go stale when
 * the heap grows (after ~150 instances). We call the native `_decode` with the correctly allocated
 * buffer instead and read it through the current heap. That buffer holds 1440 samples (90 ms at
 * 16 kHz), so longer packets (rare 100/120 ms ones) are treated as undecodable. Packet loss
 * concealment is not used for the same reason: an empty packet makes libopus emit 360 ms.
 */
export class OpusDecoder {
  #native: OpusScriptInternals | undefined;
  readonly #maxSamples: number;
  #stats: OpusDecoderStats = { packets: 0, decodeErrors: 0, samplesOut: 0, cpuMs: 0 };

  constructor() {
    const native = new OpusScript(OPUS_PCM_RATE, 1) as unknown as OpusScriptInternals;
    if (typeof native.handler?._decode !== 'function' || !native.outPCMPointer || !native.inOpusPointer) {
      native.delete?.();
      throw new Error('unsupported opusscript build (expected 0.1.1 internals)');
    }
    this.#native = native;
    // The native side writes each sample as two 16-bit slots (4 bytes) into a buffer of outPCMLength bytes.
    this.#maxSamples = Math.floor(native.outPCMLength / 4);
    heap = native.inOpus.buffer as ArrayBuffer; // newest instance: its view is on the current heap
  }

  stats(): OpusDecoderStats {
    return { ...this.#stats };
  }

  /**
   * Decodes one packet. `fallbackSamples` (16 kHz) sizes the silence when the packet's own
   * duration can't be read from it (default 20 ms).
   */
  decode(packet: Uint8Array, fallbackSamples = 320): Int16Array {
    const native = this.#native;
    if (!native) throw new Error('decoder closed');
    const t0 = performance.now();
    this.#stats.packets++;
    const samples48 = opusPacketSamples(packet);
    let out: Int16Array | undefined;
    if (samples48 !== undefined && samples48 / 3 <= this.#maxSamples && packet.length <= MAX_PACKET_BYTES) {
      const mem = currentHeap();
      new Uint8Array(mem, native.inOpusPointer, packet.length).set(packet);
      const n = native.handler._decode(native.inOpusPointer, packet.length, native.outPCMPointer);
      if (n >= 0 && n <= this.#maxSamples) {
        // Each sample comes back as [low byte, high byte] in two 16-bit slots.
        const raw = new Uint16Array(mem, native.outPCMPointer, 2 * n);
        out = new Int16Array(n);
        for (let i = 0; i < n; i++) out[i] = (raw[2 * i]! & 0xff) | (raw[2 * i + 1]! << 8);
      }
    }
    if (!out) {
      this.#stats.decodeErrors++;
      out = new Int16Array(samples48 !== undefined ? Math.round(samples48 / 3) : fallbackSamples);
    }
    this.#stats.samplesOut += out.length;
    this.#stats.cpuMs += performance.now() - t0;
    return out;
  }

  /** Frees the native decoder (emscripten memory is not garbage collected). Idempotent. */
  close(): void {
    this.#native?.delete();
    this.#native = undefined;
  }
}
