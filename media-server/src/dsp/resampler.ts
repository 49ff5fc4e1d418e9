/**
 * Streaming band-limited resampler (windowed-sinc, Blackman window) to mono.
 * Stateful across chunks, so frame boundaries never click; the cutoff follows the lower
 * of the two rates so downsampling (e.g. 48 kHz WebRTC to 16 kHz) does not alias.
 */
export class Resampler {
  readonly #ratio: number; // input samples per output sample
  readonly #half: number; // kernel half-width in input samples
  readonly #cutoff: number; // normalised to the input Nyquist
  #buf = new Float32Array(0); // input history not yet fully consumed
  #bufStart = 0; // absolute input index of #buf[0]
  #pos = 0; // absolute input position of the next output sample

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    zeroCrossings = 16,
  ) {
    this.#ratio = inputRate / outputRate;
    this.#cutoff = Math.min(1, outputRate / inputRate) * 0.95;
    this.#half = Math.ceil(zeroCrossings / this.#cutoff);
  }

  /** Takes mono float samples (-1..1), returns the output samples now computable. */
  push(input: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return input;
    const merged = new Float32Array(this.#buf.length + input.length);
    merged.set(this.#buf);
    merged.set(input, this.#buf.length);
    this.#buf = merged;
    const end = this.#bufStart + merged.length; // exclusive
    const out: number[] = [];
    while (this.#pos + this.#half < end) {
      out.push(this.#sample(this.#pos));
      this.#pos += this.#ratio;
    }
    // Keep what the next outputs still need (their left kernel half).
    const keepFrom = Math.max(this.#bufStart, Math.floor(this.#pos) - this.#half);
    this.#buf = this.#buf.slice(keepFrom - this.#bufStart);
    this.#bufStart = keepFrom;
    return Float32Array.from(out);
  }

  /** Drains the tail at end of stream (treats the future as silence). */
  flush(): Float32Array {
    if (this.inputRate === this.outputRate) return new Float32Array(0);
    return this.push(new Float32Array(this.#half + 1));
  }

  #sample(t: number): number {
    const c = this.#cutoff;
    const first = Math.ceil(t - this.#half);
    const last = Math.floor(t + this.#half);
    let acc = 0;
    for (let n = first; n <= last; n++) {
      const i = n - this.#bufStart;
      if (i < 0 || i >= this.#buf.length) continue;
      const x = n - t;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / this.#half) + 0.08 * Math.cos((2 * Math.PI * x) / this.#half);
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * c * x) / (Math.PI * c * x);
      acc += this.#buf[i]! * c * sinc * w;
    }
    return acc;
  }
}

/** Decodes interleaved PCM bytes to mono floats (channels averaged). */
export function decodePcm(bytes: Uint8Array, encoding: 'pcm_s16le' | 'pcm_f32le', channels: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = encoding === 'pcm_s16le' ? 2 : 4;
  const frames = bytes.byteLength / (width * channels);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let ch = 0; ch < channels; ch++) {
      const at = (f * channels + ch) * width;
      acc += encoding === 'pcm_s16le' ? view.getInt16(at, true) / 32768 : view.getFloat32(at, true);
    }
    out[f] = acc / channels;
  }
  return out;
}

export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = Math.round(v < 0 ? v * 32768 : v * 32767);
  }
  return out;
}
