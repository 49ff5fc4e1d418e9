import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';

/** Silero VAD v5 at 16 kHz: 512-sample windows, each preceded by the last 64 samples of the previous one. */
export const VAD_WINDOW = 512;
const CONTEXT = 64;
const STATE = 2 * 128;

/** Where the model comes from: the file shipped in the @ricky0123/vad-web npm package (no download). */
export function bundledSileroModelPath(): string {
  return createRequire(import.meta.url).resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');
}

/** Per-stream recurrent state; plain arrays so a checkpoint can serialise it. */
export class VadState {
  rnn = new Float32Array(STATE);
  context = new Float32Array(CONTEXT);

  toJSON(): { rnn: number[]; context: number[] } {
    return { rnn: [...this.rnn], context: [...this.context] };
  }

  static from(json: { rnn: number[]; context: number[] }): VadState {
    const s = new VadState();
    s.rnn.set(json.rnn);
    s.context.set(json.context);
    return s;
  }
}

type Pending = { state: VadState; window: Float32Array; resolve: (p: number) => void; reject: (e: Error) => void };

/**
 * One ONNX session shared by every stream in the process. Windows submitted in the same tick
 * run as one batch ([B, 576] input, [2, B, 128] state), so N concurrent streams cost ~one inference.
 */
export class SileroVad {
  #pending: Pending[] = [];
  #scheduled = false;
  #running = false;
  readonly #sr = new ort.Tensor('int64', BigInt64Array.from([16000n]));

  private constructor(
    readonly session: ort.InferenceSession,
    readonly maxBatch: number,
    readonly onBatch?: (size: number, ms: number) => void,
  ) {}

  static async create(
    opts: { modelPath?: string; maxBatch?: number; onBatch?: (size: number, ms: number) => void } = {},
  ): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(opts.modelPath ?? bundledSileroModelPath(), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    return new SileroVad(session, opts.maxBatch ?? 64, opts.onBatch);
  }

  /** Speech probability of one 512-sample window (float samples in -1..1); updates `state`. */
  probability(state: VadState, window: Float32Array): Promise<number> {
    if (window.length !== VAD_WINDOW) return Promise.reject(new Error(`VAD window must be ${VAD_WINDOW} samples`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ state, window, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    this.#running = true;
    const batch = this.#pending.splice(0, this.maxBatch);
    const b = batch.length;
    const input = new Float32Array(b * (CONTEXT + VAD_WINDOW));
    const state = new Float32Array(2 * b * 128);
    batch.forEach((p, i) => {
      input.set(p.state.context, i * (CONTEXT + VAD_WINDOW));
      input.set(p.window, i * (CONTEXT + VAD_WINDOW) + CONTEXT);
      // state layout [2, B, 128]: layer l of item i at (l * B + i) * 128
      state.set(p.state.rnn.subarray(0, 128), i * 128);
      state.set(p.state.rnn.subarray(128), (b + i) * 128);
    });
    const t0 = performance.now();
    try {
      const out = await this.session.run({
        input: new ort.Tensor('float32', input, [b, CONTEXT + VAD_WINDOW]),
        state: new ort.Tensor('float32', state, [2, b, 128]),
        sr: this.#sr,
      });
      this.onBatch?.(b, performance.now() - t0);
      const probs = out.output!.data as Float32Array;
      const next = out.stateN!.data as Float32Array;
      batch.forEach((p, i) => {
        p.state.rnn.set(next.subarray(i * 128, i * 128 + 128), 0);
        p.state.rnn.set(next.subarray((b + i) * 128, (b + i) * 128 + 128), 128);
        p.state.context.set(p.window.subarray(VAD_WINDOW - CONTEXT));
        p.resolve(probs[i]!);
      });
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
    } finally {
      this.#running = false;
      if (this.#pending.length) this.#schedule();
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
