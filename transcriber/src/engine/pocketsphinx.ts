// Pocketsphinx engine: a pool of native ps-server helpers (one per core), model loaded once per helper.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Lease, PsPool } from './ps-pool.ts';
import {
  cmnBytes,
  DecodeMode,
  Op,
  type PsFinal,
  type PsReady,
  type PsStats,
  parseFinal,
  parseJsonObject,
  pcmBytes,
} from './ps-protocol.ts';
import type {
  AsrCapabilities,
  AsrEngine,
  AsrEngineInfo,
  AsrResult,
  AsrSegment,
  AsrStream,
  AsrStreamOptions,
  StreamContext,
} from './types.ts';

/** Where this engine keeps its state in a StreamContext. */
const CONTEXT_KEY = 'pocketsphinx';

export const DEFAULT_PS_SERVER = fileURLToPath(new URL('../../native/build/ps-server', import.meta.url));

export type PocketsphinxOptions = {
  /** Helper processes (each single-threaded). Default: one per core. */
  processes?: number;
  /** ps-server binary; default transcriber/native/build/ps-server (built by native/build.sh). */
  binary?: string;
  /** Model paths; default the Debian pocketsphinx-en-us package. */
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Extra pocketsphinx options for every decoder. Results then differ from plain pocketsphinx_batch. */
  decoderArgs?: string[];
  /**
   * Options for the first-pass decoders that only produce stream partials in 'hybrid' mode (finals
   * are unaffected). Default ['-maxhmmpf', '3000']: about 30% cheaper, partials as good on our tests.
   */
  partialDecoderArgs?: string[];
  /** Open streams per process before new ones queue; each holds a decoder (~60 MB). Default 8. */
  maxStreamsPerProcess?: number;
  /** Idle decoders a process keeps for reuse (creating one takes ~0.2-0.4 s). Default 4. */
  maxIdleDecoders?: number;
  /**
   * How stream finals are produced. 'hybrid' (default): partials from a first-pass decoder, the
   * final from a full decode of the utterance at finish(), identical to transcribe() and
   * pocketsphinx_batch (about 2x the CPU of batch, ~0.28 s per second of speech, and finish() takes
   * ~0.13 s per second of speech). 'live': the final comes from the streaming pass (~0.15 s/s and a
   * quicker finish()). It uses live cepstral mean normalisation (CMN): pass the audio stream's
   * `context` to startStream() so each utterance starts from that stream's mean, which makes it
   * about as accurate as batch (festival slt+kal test speech: WER 9.2% vs 10.2% for
   * pocketsphinx_batch); without a context every utterance starts from the model's generic mean
   * (14.0%).
   */
  streamMode?: 'hybrid' | 'live';
  readyTimeoutMs?: number;
  /** Helper stderr lines; default: written to process.stderr with a prefix. */
  onStderr?: (line: string, pid: number | undefined) => void;
};

/** Totals over the engine's lifetime, for real-time-factor reporting. */
export type PocketsphinxUsage = { utterances: number; audioMs: number; cpuMs: number };

export class PocketsphinxEngine implements AsrEngine {
  readonly info: AsrEngineInfo;
  readonly capabilities: AsrCapabilities;
  /** The first helper's handshake: model paths, start-up time and memory. */
  readonly readyInfo: PsReady;
  readonly #pool: PsPool;
  readonly #mode: 'hybrid' | 'live';
  readonly #usage: PocketsphinxUsage = { utterances: 0, audioMs: 0, cpuMs: 0 };

  private constructor(pool: PsPool, ready: PsReady, processes: number, mode: 'hybrid' | 'live') {
    this.#pool = pool;
    this.readyInfo = ready;
    this.#mode = mode;
    this.info = { name: 'pocketsphinx', version: ready.version, model: basename(ready.hmm) };
    this.capabilities = { streaming: true, words: true, maxBatch: processes };
  }

  static async create(opts: PocketsphinxOptions = {}): Promise<PocketsphinxEngine> {
    const processes = Math.max(1, opts.processes ?? availableParallelism());
    const binary = opts.binary ?? DEFAULT_PS_SERVER;
    if (!existsSync(binary)) {
      throw new Error(`pocketsphinx helper not found at ${binary}: run bash transcriber/native/build.sh`);
    }
    const maxStreams = Math.max(1, opts.maxStreamsPerProcess ?? 8);
    const args = [
      // One more session than streams: a batch segment opens and closes one in a single step.
      ...['-max_sessions', String(maxStreams + 1), '-max_idle', String(opts.maxIdleDecoders ?? 4)],
      ...(opts.hmm ? ['-hmm', opts.hmm] : []),
      ...(opts.lm ? ['-lm', opts.lm] : []),
      ...(opts.dict ? ['-dict', opts.dict] : []),
      ...(opts.decoderArgs ?? []),
      ...['--', ...(opts.partialDecoderArgs ?? ['-maxhmmpf', '3000'])],
    ];
    const onStderr =
      opts.onStderr ??
      ((line: string, pid: number | undefined) => process.stderr.write(`[ps-server ${pid}] ${line}\n`));
    const { pool, ready } = await PsPool.start({
      processes,
      binary,
      args,
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
      maxStreamsPerProcess: maxStreams,
      onStderr,
    });
    return new PocketsphinxEngine(pool, ready, processes, opts.streamMode ?? 'hybrid');
  }

  /** Health: at least one helper is up and answering (others may be restarting). */
  get ready(): boolean {
    return this.#pool.readyCount > 0;
  }

  /** Process ids of the running helpers (for monitoring and tests). */
  get pids(): number[] {
    return this.#pool.pids;
  }

  get usage(): PocketsphinxUsage {
    return { ...this.#usage };
  }

  transcribe(batch: AsrSegment[]): Promise<AsrResult[]> {
    return Promise.all(batch.map((seg) => this.#transcribeOne(seg)));
  }

  /**
   * With `opts.context`, the stream starts from the cepstral mean (CMN) of that audio stream's
   * earlier utterances instead of the model's generic prior, and finish() stores the updated mean
   * there: stream finals come much closer to batch accuracy in 'live' mode, and partials improve in
   * both modes. A context from another model, or a malformed one, is ignored (generic prior).
   */
  startStream(opts: AsrStreamOptions = {}): AsrStream {
    const { context } = opts;
    const start = context ? this.#cmnPayload(context) : undefined; // read now: later changes don't count
    const onFinal = (f: PsFinal): AsrResult => {
      if (context && f.cmn?.length === this.readyInfo.cmn_veclen) {
        context[CONTEXT_KEY] = { hmm: this.readyInfo.hmm, cmn: f.cmn };
      }
      return this.#account(f);
    };
    return new PocketsphinxStream(this.#pool.leaseStream(), this.#mode, start, onFinal);
  }

  /** Decoder counts, memory and init cost of every helper. */
  async stats(): Promise<PsStats[]> {
    const frames = await Promise.all(this.#pool.children.map((c) => c.request(Op.stats, 0)));
    return frames.map((f) => parseJsonObject(f.payload) as PsStats);
  }

  close(): Promise<void> {
    return this.#pool.stop();
  }

  async #transcribeOne(seg: AsrSegment): Promise<AsrResult> {
    const lease = this.#pool.leaseBatch(seg.pcm.length);
    try {
      // Pipelined: START, AUDIO and END go out together; the helper answers in order.
      const start = lease.child.request(Op.start, lease.sid, DecodeMode.batch);
      lease.child.sendAudio(lease.sid, pcmBytes(seg.pcm));
      const end = lease.child.request(Op.end, lease.sid);
      const [, f] = await Promise.all([start, end]);
      return this.#account(parseFinal(f.payload));
    } finally {
      lease.release();
    }
  }

  /** The START payload for a context's carried-over CMN mean; undefined for the generic prior. */
  #cmnPayload(context: StreamContext): Buffer | undefined {
    const state = context[CONTEXT_KEY];
    if (typeof state !== 'object' || state === null || Array.isArray(state)) return undefined;
    const { hmm, cmn } = state;
    const n = this.readyInfo.cmn_veclen;
    if (hmm !== this.readyInfo.hmm || !Array.isArray(cmn) || cmn.length !== n || n === 0) return undefined;
    const mean: number[] = [];
    for (const v of cmn) {
      if (typeof v !== 'number' || !(Math.abs(v) < 1e4)) return undefined; // the helper's limit
      mean.push(v);
    }
    return cmnBytes(mean);
  }

  #account(f: PsFinal): AsrResult {
    this.#usage.utterances++;
    this.#usage.audioMs += f.audioMs;
    this.#usage.cpuMs += f.cpuMs;
    return { text: f.text, words: f.words, confidence: f.confidence };
  }
}

/** One utterance on one helper. Audio written before a slot is free is kept and sent on start. */
class PocketsphinxStream implements AsrStream {
  readonly #mode: 'hybrid' | 'live';
  readonly #startPayload: Buffer | undefined;
  readonly #account: (f: PsFinal) => AsrResult;
  readonly #leased: Promise<Lease>;
  #lease: Lease | undefined;
  #started: Promise<unknown> = Promise.resolve();
  #pending: Buffer[] = [];
  #state: 'open' | 'finishing' | 'closed' = 'open';
  #failure: Error | undefined;

  constructor(
    lease: Lease | Promise<Lease>,
    mode: 'hybrid' | 'live',
    startPayload: Buffer | undefined,
    account: (f: PsFinal) => AsrResult,
  ) {
    this.#mode = mode;
    this.#startPayload = startPayload;
    this.#account = account;
    if (lease instanceof Promise) {
      this.#leased = lease.then((l) => this.#begin(l));
      this.#leased.catch((e: unknown) => {
        this.#failure = e instanceof Error ? e : new Error(String(e)); // reported by partial()/finish()
      });
    } else {
      this.#leased = Promise.resolve(this.#begin(lease));
    }
  }

  write(pcm: Int16Array): void {
    if (this.#state !== 'open') throw new Error('AsrStream.write() after finish() or abort()');
    if (pcm.length === 0) return;
    const bytes = pcmBytes(pcm);
    if (this.#lease) this.#lease.child.sendAudio(this.#lease.sid, bytes);
    else this.#pending.push(bytes);
  }

  async partial(): Promise<string> {
    if (this.#state !== 'open') throw new Error('AsrStream.partial() after finish() or abort()');
    if (this.#failure) throw this.#failure;
    const lease = this.#lease;
    if (!lease) return ''; // still waiting for a decoder
    const [, f] = await Promise.all([this.#started, lease.child.request(Op.partial, lease.sid)]);
    return f.payload.toString('utf8');
  }

  async finish(): Promise<AsrResult> {
    if (this.#state !== 'open') throw new Error('AsrStream.finish() called twice or after abort()');
    this.#state = 'finishing';
    let lease: Lease | undefined;
    try {
      lease = await this.#leased;
      const [, f] = await Promise.all([this.#started, lease.child.request(Op.end, lease.sid)]);
      return this.#account(parseFinal(f.payload));
    } finally {
      this.#state = 'closed';
      lease?.release();
    }
  }

  abort(): void {
    if (this.#state !== 'open') return; // closed, or finish() already owns the session
    this.#state = 'closed';
    this.#pending = [];
    const lease = this.#lease;
    if (!lease) return; // still queued: #begin gives the slot back
    lease.child.request(Op.abort, lease.sid).catch(() => {});
    lease.release();
  }

  #begin(lease: Lease): Lease {
    if (this.#state === 'closed') {
      lease.release();
      return lease;
    }
    this.#lease = lease;
    this.#started = lease.child.request(Op.start, lease.sid, DecodeMode[this.#mode], this.#startPayload);
    this.#started.catch(() => {}); // reported by partial()/finish()
    for (const b of this.#pending) lease.child.sendAudio(lease.sid, b);
    this.#pending = [];
    return lease;
  }
}
